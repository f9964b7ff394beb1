/* eslint-disable @backstage/no-relative-monorepo-imports -- see deliveryBackend.ts */
import type { Cluster } from '@internal/cluster-harness';
import { AuthorizeResult, PolicyDecision } from '@backstage/plugin-permission-common';
import { mockServices } from '@backstage/backend-test-utils';
import { FLEET_WATCHES, createFleet } from '../../../../plugins/delivery-backend/src/fleet/aggregator';
import { deliveryCanaryConditions } from '../../../../plugins/delivery-backend/src/permissions/rules';
import { KINDS } from '../../../../plugins/delivery-backend/src/kube/types';
import { describeE2e } from '../lib/gate';
import { DeliveryTestBackend, startDeliveryBackend } from './deliveryBackend';
import { FleetClusters, IMAGE_NEW, byName, IMAGE_OLD, percentile, progressingStatus, waitFor } from './fleetEnv';

jest.setTimeout(180_000);

type Row = { cluster: string; namespace: string; name: string; phase: string; canaryWeight: number; resourceVersion: string } & Record<string, any>;
type Health = { name: string; state: string; lastSyncTime?: string };

let seq = 0;
/** A namespace name no other test uses, so every test starts from nothing. */
const freshNamespace = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${seq++}`;

describeE2e('fleet aggregator on three local clusters', () => {
  let env: FleetClusters;
  let backend: DeliveryTestBackend | undefined;

  beforeAll(async () => {
    env = await FleetClusters.start(['fleet-a', 'fleet-b', 'fleet-c']);
  }, 180_000);

  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
  });

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  const health = async (b: DeliveryTestBackend) => (await b.get<{ items: Health[] }>('/clusters')).body.items;
  const rows = async (b: DeliveryTestBackend, ns: string) =>
    (await b.get<{ items: Row[] }>(`/fleet?namespace=${ns}&sort=cluster&limit=500`)).body.items;
  const allSynced = async (b: DeliveryTestBackend) => (await health(b)).every(h => h.state === 'synced');

  /**
   * Canaries in three clusters, as upstream Flagger leaves them, appear in the fleet list; a status change reaches
   * the API within a second and produces exactly one signal. `tokenFor` picks the credentials the aggregator uses.
   */
  async function fleetListScenario(tokenFor: (c: Cluster) => Promise<string>) {
    const ns = freshNamespace('list');
    const [a, b, c] = env.clusters;
    await Promise.all(env.clusters.map(cl => env.ensureNamespace(cl, ns)));
    await env.createCanary(a, ns, 'podinfo', progressingStatus(20));
    await env.createCanary(b, ns, 'podinfo', {
      phase: 'Succeeded',
      canaryWeight: 0,
      conditions: [{ type: 'Promoted', status: 'True', reason: 'Succeeded', message: 'Canary analysis completed successfully, promotion finished.' }],
    });
    await env.createCanary(c, ns, 'podinfo', {
      phase: 'Failed',
      canaryWeight: 0,
      failedChecks: 5,
      conditions: [{ type: 'Promoted', status: 'False', reason: 'Failed', message: 'Canary analysis failed, Deployment scaled to zero.' }],
    });
    const clusters = await Promise.all(env.clusters.map(async cl => env.config(cl, await tokenFor(cl))));
    backend = await startDeliveryBackend({ clusters });
    const be = backend;

    await waitFor('three rows and every cluster synced', async () => (await rows(be, ns)).length === 3 && (await allSynced(be)));
    const listed = await rows(be, ns);
    expect(listed.map(r => [r.cluster, r.phase, r.canaryWeight, r.message])).toEqual([
      ['fleet-a', 'Progressing', 20, 'New revision detected! Scaling up podinfo'],
      ['fleet-b', 'Succeeded', 0, 'Canary analysis completed successfully, promotion finished.'],
      ['fleet-c', 'Failed', 0, 'Canary analysis failed, Deployment scaled to zero.'],
    ]);
    for (const r of listed) {
      expect(r).toMatchObject({ namespace: ns, name: 'podinfo', primaryImages: [IMAGE_OLD], canaryImages: [IMAGE_NEW] });
    }
    expect(listed.find(r => r.cluster === 'fleet-c')?.needsAttention).toBe(true);

    // Let the signals of the initial sync go out (they are coalesced per second) before counting.
    await new Promise(r => setTimeout(r, 1200));
    const isA = (s: { payload: { message: unknown } }) =>
      JSON.stringify(s.payload.message) === JSON.stringify({ cluster: 'fleet-a', namespace: ns, name: 'podinfo' });
    const started = Date.now();
    const t0 = performance.now();
    await env.setStatus(a, ns, 'podinfo', progressingStatus(30, 'Advance podinfo canary weight 30'));
    await waitFor(
      'weight 30 through the API',
      async () => (await rows(be, ns)).find(r => r.cluster === 'fleet-a')?.canaryWeight === 30,
      5_000,
      10,
    );
    const latencyMs = performance.now() - t0;
    // The publisher holds back at most one second; wait past it, then exactly one message for that canary.
    await new Promise(r => setTimeout(r, 1500));
    const after = be.signals.filter(s => s.at >= started);
    expect(after.filter(isA)).toHaveLength(1);
    expect(after[0].payload).toMatchObject({ channel: 'delivery:canary', recipients: { type: 'broadcast' } });
    expect(after.filter(s => !isA(s))).toEqual([]);
    return { latencyMs };
  }

  it('1: canaries of three clusters appear with cluster, phase, weight, images and message; a change reaches the API within 1 s with one signal', async () => {
    const { latencyMs } = await fleetListScenario(async c => c.token);
    expect(latencyMs).toBeLessThan(1000);
  });

  it('6: the same with a ServiceAccount bound only to deploy/rbac/aggregator-clusterrole.yaml, which grants nothing else', async () => {
    const { latencyMs } = await fleetListScenario(c => env.aggregatorToken(c));
    expect(latencyMs).toBeLessThan(1000);

    // Every watched kind was listed with that token, optional router kinds included (no 401/403 anywhere).
    const [a] = env.clusters;
    const token = await env.aggregatorToken(a);
    const { fleet, caches } = createFleet({ clusters: [env.config(a, token)], logger: mockServices.logger.mock() });
    fleet.start();
    try {
      const cache = caches.get(a.name)!;
      await waitFor('every watch settled', () =>
        FLEET_WATCHES.every(w => cache.informer(w.kind)?.hasSynced || cache.informer(w.kind)?.lastError),
      );
      const denied = FLEET_WATCHES.filter(w => cache.informer(w.kind)?.lastError?.class === 'unauthorized');
      expect(denied.map(w => w.kind.plural)).toEqual([]);
    } finally {
      await fleet.stop();
    }
    // Read-only and nothing more: no writes to canaries, no secrets.
    const patch = await a.request({
      method: 'PATCH',
      path: '/apis/flagger.app/v1beta1/namespaces/default/canaries/x',
      token,
      contentType: 'application/merge-patch+json',
      body: {},
    });
    expect(patch.status).toBe(403);
    expect((await a.request({ path: '/api/v1/secrets', token })).status).toBe(403);
  });

  it('2: one apiserver down: reads answer as fast, that cluster is unreachable with its last sync, the others stay synced; it re-syncs to a fresh LIST', async () => {
    const ns = freshNamespace('outage');
    const [, , c] = env.clusters;
    await Promise.all(env.clusters.map(cl => env.ensureNamespace(cl, ns)));
    for (const cl of env.clusters) await env.createCanary(cl, ns, 'podinfo', progressingStatus(10));
    backend = await startDeliveryBackend({ clusters: env.clusters.map(cl => env.config(cl)) });
    const be = backend;
    await waitFor('synced', async () => (await rows(be, ns)).length === 3 && (await allSynced(be)));

    const timeReads = async (n: number) => {
      const ms: number[] = [];
      for (let i = 0; i < n; i++) ms.push((await be.get(`/fleet?namespace=${ns}`)).ms);
      return percentile(ms, 50);
    };
    await timeReads(10); // warm-up
    const before = await timeReads(100);

    const stoppedAt = Date.now();
    await c.stopApiserver();
    try {
      await waitFor('fleet-c unreachable', async () => (await health(be)).find(h => h.name === 'fleet-c')?.state === 'unreachable', 60_000);
      const during = await timeReads(100);
      // eslint-disable-next-line no-console
      console.log(`fleet read p50 before the outage ${before.toFixed(2)} ms, during ${during.toFixed(2)} ms`);
      const states = await health(be);
      expect(states.map(h => [h.name, h.state])).toEqual([
        ['fleet-a', 'synced'],
        ['fleet-b', 'synced'],
        ['fleet-c', 'unreachable'],
      ]);
      const lastSync = Date.parse(states[2].lastSyncTime ?? '');
      expect(lastSync).toBeLessThanOrEqual(stoppedAt + 2000);
      expect(lastSync).toBeGreaterThan(stoppedAt - 120_000);
      // Rows of the unreachable cluster are still served, from memory.
      expect((await rows(be, ns)).map(r => r.cluster)).toEqual(['fleet-a', 'fleet-b', 'fleet-c']);
      // Reads never wait for a cluster: the median is the same within noise (ratio, not an absolute number).
      // A read that waited for the dead cluster would take seconds (thousands of times the median); 3x leaves room
      // for the CPU the stopped cluster's own controllers burn retrying on a 2-core machine.
      expect(during / before).toBeLessThan(3);
    } finally {
      await c.startApiserver();
    }

    // Changes right after the restart: the cache must end exactly where a fresh LIST is.
    await env.setStatus(c, ns, 'podinfo', progressingStatus(40));
    await env.createCanary(c, ns, 'late', progressingStatus(10));
    const apiView = async () =>
      byName((await rows(be, ns)).filter(r => r.cluster === 'fleet-c').map(r => [r.name, r.resourceVersion]));
    const fresh = async () => env.freshList(c, KINDS.canary, ns);
    await waitFor(
      'fleet-c re-synced to a fresh LIST',
      async () => (await allSynced(be)) && JSON.stringify(await apiView()) === JSON.stringify(await fresh()),
      60_000,
      200,
    );
    expect(await apiView()).toEqual(await fresh());
    expect((await rows(be, ns)).find(r => r.cluster === 'fleet-c' && r.name === 'podinfo')?.canaryWeight).toBe(40);
  });

  it('4: a user limited to one namespace sees only its canaries; an entity the catalog hides from them is a 404', async () => {
    const [a] = env.clusters;
    const nsA = freshNamespace('team-a');
    const nsB = freshNamespace('team-b');
    for (const ns of [nsA, nsB]) {
      await env.ensureNamespace(a, ns);
      await env.createCanary(a, ns, 'podinfo', progressingStatus(20), { 'backstage.io/kubernetes-id': `podinfo-${ns}` });
    }
    const component = (name: string, id: string) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name, namespace: 'default', annotations: { 'backstage.io/kubernetes-id': id } },
      spec: { owner: 'team-a', type: 'service', lifecycle: 'production' },
    });
    const ann = 'user:default/ann';
    backend = await startDeliveryBackend({
      clusters: [env.config(a)],
      entities: [component('podinfo-a', `podinfo-${nsA}`), component('podinfo-b', `podinfo-${nsB}`), component('secret-svc', `podinfo-${nsA}`)],
      hiddenFrom: (user, ref) => user === ann && ref === 'component:default/secret-svc',
      decide: user =>
        (user === ann
          ? {
              result: AuthorizeResult.CONDITIONAL,
              pluginId: 'delivery',
              resourceType: 'delivery-canary',
              conditions: deliveryCanaryConditions.isInNamespace({ namespaces: [nsA] }),
            }
          : { result: AuthorizeResult.ALLOW }) as PolicyDecision,
    });
    const be = backend;
    await waitFor('both canaries listed', async () => (await be.get<{ items: Row[] }>('/fleet?limit=500')).body.items.filter(r => r.namespace === nsA || r.namespace === nsB).length === 2);

    const annFleet = (await be.get<{ items: Row[] }>('/fleet?limit=500', ann)).body.items;
    expect(annFleet.map(r => r.namespace)).toContain(nsA);
    expect(annFleet.every(r => r.namespace === nsA)).toBe(true);

    const entityRows = async (entity: string, user?: string) => be.get<{ items: Row[] }>(`/entity-canaries?entityRef=${entity}`, user);
    expect((await entityRows('component:default/podinfo-a', ann)).body.items.map(r => r.namespace)).toEqual([nsA]);
    expect((await entityRows('component:default/podinfo-b', ann)).body.items).toEqual([]);
    expect((await entityRows('component:default/podinfo-b')).body.items.map(r => r.namespace)).toEqual([nsB]);
    const hidden = await entityRows('component:default/secret-svc', ann);
    expect(hidden.status).toBe(404);
    expect((await entityRows('component:default/secret-svc')).status).toBe(200);

    expect((await be.get(`/canaries/${a.name}/${nsB}/podinfo`, ann)).status).toBe(404);
    expect((await be.get(`/canaries/${a.name}/${nsA}/podinfo`, ann)).status).toBe(200);
  });
});
