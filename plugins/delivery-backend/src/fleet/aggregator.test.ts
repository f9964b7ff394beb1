import { mockServices } from '@backstage/backend-test-utils';
import { CanarySummary, canaryKey } from '@delivery/plugin-delivery-common';
import { ClusterCache } from '../kube/cache';
import { resourcePath } from '../kube/clusters';
import { MemoryTransport, httpError } from '../kube/testing/memoryTransport';
import { OBSERVED_PROJECTION } from '../kube/projectors';
import { KINDS } from '../kube/types';
import { FleetAggregator, FleetChange, FleetSnapshot } from './aggregator';
import { CanarySignalPublisher } from './signals';

// Waits for the aggregator to reach a state; bounded so a broken wiring fails instead of hanging. Not a timing claim.
async function until(cond: () => boolean, what: string) {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 5));
  }
}

const NS = 'shop';

function canary(name: string, status: Record<string, unknown> = {}) {
  return {
    metadata: { name, namespace: NS, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      provider: 'linkerd',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
    },
    status,
  };
}

function deployment(name: string, image: string, extra: Record<string, string> = {}) {
  return {
    metadata: { name, namespace: NS, labels: { app: name } as Record<string, string>, annotations: extra },
    spec: { template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } } },
  };
}

const progressing = {
  phase: 'Progressing',
  canaryWeight: 20,
  lastTransitionTime: '2026-01-02T00:00:00Z',
  conditions: [{ type: 'Promoted', status: 'Unknown', message: 'New revision detected! Scaling up podinfo.shop' }],
};

describe('FleetAggregator', () => {
  const logger = mockServices.logger.mock();
  let fleet: FleetAggregator | undefined;

  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  function startFleet(transports: MemoryTransport[], snapshot?: FleetSnapshot) {
    fleet = new FleetAggregator({
      logger,
      snapshot,
      now: () => Date.parse('2026-01-02T00:01:00Z'),
      clusters: transports.map(transport => ({
        name: transport.cluster,
        controller: 'flagger',
        cache: new ClusterCache({ transport, logger }),
      })),
    });
    const changes: FleetChange[] = [];
    fleet.onChange(c => changes.push(c));
    fleet.start();
    return { fleet, changes };
  }

  const stateOf = (f: FleetAggregator, cluster: string) => f.clusterHealth().find(h => h.name === cluster)?.state;

  function seeded(cluster: string) {
    const t = new MemoryTransport(cluster);
    t.put(KINDS.deployment, deployment('podinfo', 'podinfo:6.1'));
    t.put(KINDS.deployment, deployment('podinfo-primary', 'podinfo:6.0'));
    t.put(KINDS.canary, canary('podinfo', progressing));
    return t;
  }

  it('builds one row per canary from the canary, its target and the -primary twin, per cluster', async () => {
    const { fleet: f } = startFleet([seeded('dev'), seeded('prod')]);
    await until(() => stateOf(f, 'dev') === 'synced' && stateOf(f, 'prod') === 'synced', 'both clusters synced');

    const rows = [...f.summaries()];
    expect(rows.map(canaryKey).sort()).toEqual(['dev/shop/podinfo', 'prod/shop/podinfo']);
    expect(f.summary({ cluster: 'prod', namespace: NS, name: 'podinfo' })).toMatchObject({
      cluster: 'prod',
      phase: 'Progressing',
      canaryWeight: 20,
      maxWeight: 50,
      primaryImages: ['podinfo:6.0'],
      canaryImages: ['podinfo:6.1'],
      message: 'New revision detected! Scaling up podinfo.shop',
    });
    expect(f.clusterHealth().map(h => h.canaryCount)).toEqual([1, 1]);
  });

  it('serves the same rows from compact canaries (observed clusters) and the whole canary for details', async () => {
    const whole = new MemoryTransport('whole');
    const compact = new MemoryTransport('compact');
    for (const t of [whole, compact]) {
      t.put(KINDS.deployment, deployment('podinfo', 'podinfo:6.1'));
      t.put(KINDS.deployment, deployment('podinfo-primary', 'podinfo:6.0'));
      const c = canary('podinfo', progressing);
      t.put(KINDS.canary, { ...c, spec: { ...c.spec, analysis: { ...c.spec.analysis, metrics: [{ name: 'request-success-rate' }] } } });
    }
    fleet = new FleetAggregator({
      logger,
      now: () => Date.parse('2026-01-02T00:01:00Z'),
      clusters: [
        { name: 'whole', controller: 'delivery', cache: new ClusterCache({ transport: whole, logger }) },
        { name: 'compact', controller: 'flagger', cache: new ClusterCache({ transport: compact, logger, ...OBSERVED_PROJECTION }) },
      ],
    });
    fleet.start();
    const f = fleet;
    await until(() => f.clusterHealth().every(h => h.state === 'synced'), 'both clusters synced');
    const ref = (cluster: string) => ({ cluster, namespace: NS, name: 'podinfo' });
    const { cluster: _c, uid: _u, resourceVersion: _r, ...compactRow } = f.summary(ref('compact'))!;
    const { cluster: _c2, uid: _u2, resourceVersion: _r2, ...wholeRow } = f.summary(ref('whole'))!;
    expect(compactRow).toEqual(wholeRow);
    expect(f.canary(ref('compact'))?.spec.analysis?.metrics).toEqual([{ name: 'request-success-rate' }]);
    expect(f.canary(ref('compact'))).toEqual(f.canary(ref('whole')));

    // A row rebuilt for a workload change alone (the canary kept as a record is not unpacked) still matches.
    for (const t of [whole, compact]) t.put(KINDS.deployment, deployment('podinfo-primary', 'podinfo:6.1'));
    const rowOf = (cluster: string) => {
      const { cluster: _x, uid: _y, resourceVersion: _z, ...row } = f.summary(ref(cluster))!;
      return row;
    };
    expect(rowOf('compact').primaryImages).toEqual(['podinfo:6.1']);
    expect(rowOf('compact')).toEqual(rowOf('whole'));
  });

  it('emits one change per real change of a row and none when a watched object changes nothing shown', async () => {
    const t = seeded('dev');
    const { fleet: f, changes } = startFleet([t]);
    await until(() => stateOf(f, 'dev') === 'synced', 'synced');
    changes.length = 0;

    // A new annotation on the target bumps its resourceVersion but leaves the row as it was.
    t.put(KINDS.deployment, deployment('podinfo', 'podinfo:6.1', { 'example.com/note': 'x' }));
    expect(changes).toEqual([]);

    t.put(KINDS.deployment, deployment('podinfo-primary', 'podinfo:6.1'));
    expect(changes).toHaveLength(1);
    expect(changes[0].summary?.primaryImages).toEqual(['podinfo:6.1']);
    // The canary did not change, so the change carries none (the run history reads canaries from their own changes).
    expect(changes[0].canary).toBeUndefined();

    t.put(KINDS.canary, canary('podinfo', { ...progressing, canaryWeight: 30 }));
    expect(changes).toHaveLength(2);
    expect(changes[1]).toMatchObject({ ref: { cluster: 'dev', namespace: NS, name: 'podinfo' }, summary: { canaryWeight: 30 } });
    expect(changes[1].canary?.status?.canaryWeight).toBe(30);

    t.remove(KINDS.canary, NS, 'podinfo');
    expect(changes).toHaveLength(3);
    expect(changes[2].summary).toBeUndefined();
    expect([...f.summaries()]).toEqual([]);
  });

  it('follows a target shared by two canaries, and by the one left after the other is deleted or retargeted', async () => {
    const t = seeded('dev');
    const twin = canary('podinfo-b', progressing);
    t.put(KINDS.canary, { ...twin, spec: { ...twin.spec, targetRef: { ...twin.spec.targetRef, name: 'podinfo' } } });
    const { fleet: f } = startFleet([t]);
    await until(() => stateOf(f, 'dev') === 'synced', 'synced');
    const images = (name: string) => f.summary({ cluster: 'dev', namespace: NS, name })?.canaryImages;
    t.put(KINDS.deployment, deployment('podinfo', 'podinfo:6.2'));
    expect([images('podinfo'), images('podinfo-b')]).toEqual([['podinfo:6.2'], ['podinfo:6.2']]);
    t.remove(KINDS.canary, NS, 'podinfo');
    t.put(KINDS.deployment, deployment('podinfo', 'podinfo:6.3'));
    expect(images('podinfo-b')).toEqual(['podinfo:6.3']);
    // Retargeted elsewhere: changes of the old target no longer reach it.
    t.put(KINDS.canary, { ...twin, spec: { ...twin.spec, targetRef: { ...twin.spec.targetRef, name: 'other' } } });
    t.put(KINDS.deployment, deployment('other', 'other:1.0'));
    t.put(KINDS.deployment, deployment('podinfo', 'podinfo:6.4'));
    expect(images('podinfo-b')).toEqual(['other:1.0']);
  });

  it('keeps the target labels used for entity matching current as the target changes', async () => {
    const t = seeded('dev');
    const { fleet: f } = startFleet([t]);
    await until(() => stateOf(f, 'dev') === 'synced', 'synced');
    const ref = { cluster: 'dev', namespace: NS, name: 'podinfo' };
    expect(f.targetLabels(ref)?.labelSets[0]).toEqual({ app: 'podinfo' });
    const byId = (id: string) => [...f.rowsForKubernetesId(id)].map(s => s.name);
    expect(byId('podinfo')).toEqual([]);
    const relabelled = deployment('podinfo', 'podinfo:6.1');
    relabelled.metadata.labels = { app: 'podinfo', 'backstage.io/kubernetes-id': 'podinfo' };
    t.put(KINDS.deployment, relabelled);
    expect(f.targetLabels(ref)?.labelSets[0]).toEqual({ app: 'podinfo', 'backstage.io/kubernetes-id': 'podinfo' });
    expect(byId('podinfo')).toEqual(['podinfo']);
    relabelled.metadata.labels = { app: 'podinfo', 'backstage.io/kubernetes-id': 'shop-frontend' };
    t.put(KINDS.deployment, relabelled);
    expect(byId('podinfo')).toEqual([]);
    expect(byId('shop-frontend')).toEqual(['podinfo']);
    t.remove(KINDS.canary, NS, 'podinfo');
    expect(f.targetLabels(ref)).toBeUndefined();
    expect(byId('shop-frontend')).toEqual([]);
  });

  it('shows the newest Warning event as the message, and keeps events per canary', async () => {
    const t = seeded('dev');
    const { fleet: f } = startFleet([t]);
    await until(() => stateOf(f, 'dev') === 'synced', 'synced');
    t.put(KINDS.event, {
      metadata: { name: 'podinfo.1', namespace: NS },
      involvedObject: { kind: 'Canary', name: 'podinfo', namespace: NS },
      type: 'Warning',
      reason: 'Synced',
      message: 'Halt advancement podinfo-primary.shop waiting for rollout to finish',
      lastTimestamp: '2026-01-02T00:00:30Z',
    });
    expect(f.summary({ cluster: 'dev', namespace: NS, name: 'podinfo' })?.message).toBe(
      'Halt advancement podinfo-primary.shop waiting for rollout to finish',
    );
    expect(f.events({ cluster: 'dev', namespace: NS, name: 'podinfo' })).toHaveLength(1);
  });

  it('publishes one signal per changed canary through the coalescing publisher', async () => {
    const t = seeded('dev');
    t.put(KINDS.deployment, deployment('other', 'other:1'));
    t.put(KINDS.canary, canary('other'));
    const { fleet: f } = startFleet([t]);
    await until(() => stateOf(f, 'dev') === 'synced', 'synced');
    const publish = jest.fn().mockResolvedValue(undefined);
    // A long interval: a second change of the same canary is held back, so the count below is exact.
    const publisher = new CanarySignalPublisher({ signals: { publish }, logger, intervalMs: 3_600_000 });
    f.onChange(c => publisher.changed(c.ref));

    t.put(KINDS.canary, canary('podinfo', { ...progressing, canaryWeight: 30 }));
    t.put(KINDS.canary, canary('podinfo', { ...progressing, canaryWeight: 40 }));
    t.put(KINDS.canary, canary('other', { phase: 'Failed' }));
    publisher.stop();

    expect(publish.mock.calls.map(([m]) => m.message)).toEqual([
      { cluster: 'dev', namespace: NS, name: 'podinfo' },
      { cluster: 'dev', namespace: NS, name: 'other' },
    ]);
    expect(publish.mock.calls.every(([m]) => m.channel === 'delivery:canary')).toBe(true);
  });

  it('reports each cluster on its own: unauthorized, not installed and unreachable do not touch the others', async () => {
    const denied = seeded('denied');
    denied.failures.set(resourcePath(KINDS.deployment), httpError(403));
    const missing = seeded('missing');
    missing.failures.set(resourcePath(KINDS.canary), httpError(404));
    const ok = seeded('ok');
    const { fleet: f } = startFleet([denied, missing, ok]);
    await until(
      () => stateOf(f, 'denied') === 'unauthorized' && stateOf(f, 'missing') === 'not-installed',
      'failing clusters classified',
    );
    await until(() => stateOf(f, 'ok') === 'synced', 'healthy cluster synced');
    expect(f.clusterHealth().find(h => h.name === 'denied')?.message).toContain('deployments');
    expect([...f.summaries()].map(canaryKey)).toContain('ok/shop/podinfo');
  });

  describe('warm start', () => {
    const savedAt = Date.parse('2026-01-01T12:00:00Z');
    const old = (name: string, extra: Partial<CanarySummary> = {}): CanarySummary =>
      ({
        cluster: 'dev',
        namespace: NS,
        name,
        phase: 'Succeeded',
        canaryWeight: 0,
        primaryImages: ['podinfo:5.9'],
        canaryImages: ['podinfo:5.9'],
        ...extra,
      }) as CanarySummary;

    it('serves the snapshot, marked stale, until the cluster has listed; then live rows replace it', async () => {
      const t = seeded('dev');
      t.holding = true;
      const snapshot = { savedAt, summaries: [old('podinfo'), old('deleted-while-down')] };
      const { fleet: f, changes } = startFleet([t], snapshot);

      expect([...f.summaries()].map(s => s.name).sort()).toEqual(['deleted-while-down', 'podinfo']);
      const [health] = f.clusterHealth();
      expect(health).toMatchObject({ state: 'stale', lastSyncTime: '2026-01-01T12:00:00.000Z', canaryCount: 2 });
      expect(changes).toEqual([]);

      t.release();
      await until(() => stateOf(f, 'dev') === 'synced', 're-synced');
      expect([...f.summaries()].map(s => s.name)).toEqual(['podinfo']);
      expect(f.summary({ cluster: 'dev', namespace: NS, name: 'podinfo' })?.primaryImages).toEqual(['podinfo:6.0']);
      // Subscribers learn about both the vanished row and the one that differs from the snapshot.
      expect(changes.map(c => [c.ref.name, c.summary?.phase])).toEqual(
        expect.arrayContaining([
          ['deleted-while-down', undefined],
          ['podinfo', 'Progressing'],
        ]),
      );
      expect(changes).toHaveLength(2);
    });

    it('keeps serving the snapshot of a cluster that stays down while another cluster is live', async () => {
      const down = seeded('dev');
      down.failures.set(resourcePath(KINDS.canary), new Error('connect ECONNREFUSED'));
      const up = seeded('prod');
      const { fleet: f } = startFleet([down, up], { savedAt, summaries: [old('podinfo')] });
      await until(() => stateOf(f, 'prod') === 'synced', 'prod synced');
      expect(stateOf(f, 'dev')).toBe('stale');
      expect([...f.summaries()].map(canaryKey).sort()).toEqual(['dev/shop/podinfo', 'prod/shop/podinfo']);
      expect(f.summary({ cluster: 'dev', namespace: NS, name: 'podinfo' })?.primaryImages).toEqual(['podinfo:5.9']);
    });
  });
});
