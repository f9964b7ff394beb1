import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuthorizeResult, PolicyDecision } from '@backstage/plugin-permission-common';
import { DeliveryTestBackend, startDeliveryBackend } from '../fleet/deliveryBackend';
import { FleetClusters, waitFor } from '../fleet/fleetEnv';
import { describeE2e } from '../lib/gate';
import { prefixedPostgres } from '../lib/postgresBackendDatabase';

jest.setTimeout(240_000);

/**
 * Upstream Flagger's view of our gates, through the real plugin: its confirm-promotion webhook calls the backend's
 * gate URL (cluster + per-cluster secret) and gets 403 until enough people approved, then 200. The votes live in the
 * plugin database, so they must outlive the backend: each database is used by three successive backends.
 */

const NS = 'gates';
const SECRET = 'gate-secret-for-e2e';
const ANN = 'user:default/ann';
const BOB = 'user:default/bob';

interface Db {
  /** `backend.database` config; the same value reopens the same data. */
  config: Record<string, unknown>;
  drop(): Promise<void>;
}

function sqliteDirectory(): Db {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-gates-'));
  return {
    config: { client: 'better-sqlite3', connection: { directory } },
    drop: async () => fs.rmSync(directory, { recursive: true, force: true }),
  };
}

// A prefix of this run only: the plugin's database is <prefix>delivery.
const postgres = (): Db => prefixedPostgres('e2e_gates');

describeE2e('gates: upstream Flagger webhook and gate state across backend restarts', () => {
  let env: FleetClusters;

  beforeAll(async () => {
    env = await FleetClusters.start(['gates']);
    await env.ensureNamespace(env.clusters[0], NS);
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  it.each([
    ['SQLite (files)', sqliteDirectory],
    ['PostgreSQL', postgres],
  ])('on %s: 403 until two people approved, 200 after, across restarts; 401/404 for a wrong secret or cluster', async (_db, open) => {
    const db = open();
    const [cluster] = env.clusters;
    const name = `podinfo-${Date.now().toString(36)}`;
    await env.createCanary(cluster, NS, name, {
      phase: 'WaitingPromotion',
      canaryWeight: 50,
      failedChecks: 0,
      iterations: 0,
      lastAppliedSpec: 'rev-7f9c',
    });
    // As the upstream Flagger install guide of docs/actions.md has it: the hook URL names cluster and secret.
    await env.must(cluster, {
      method: 'PATCH',
      path: `/apis/flagger.app/v1beta1/namespaces/${NS}/canaries/${name}`,
      contentType: 'application/merge-patch+json',
      body: {
        metadata: { annotations: { 'delivery.backstage.io/required-approvals': '2' } },
        spec: {
          analysis: {
            webhooks: [
              { name: 'release-gate', type: 'confirm-promotion', url: `http://backstage:7007/api/delivery/gates/${cluster.name}/${SECRET}/confirm-promotion` },
            ],
          },
        },
      },
    });
    const live = await env.must(cluster, { path: `/apis/flagger.app/v1beta1/namespaces/${NS}/canaries/${name}` });
    const observed = {
      observedPhase: 'WaitingPromotion',
      observedResourceVersion: live.metadata.resourceVersion,
      observedRevision: 'rev-7f9c',
      gate: 'release-gate',
    };
    const details = `/canaries/${cluster.name}/${NS}/${name}`;

    let backend: DeliveryTestBackend | undefined;
    const life = async () => {
      await backend?.stop();
      backend = await startDeliveryBackend({
        clusters: [env.config(cluster)],
        database: db.config,
        decide: user => ({ result: [ANN, BOB].includes(user) ? AuthorizeResult.ALLOW : AuthorizeResult.DENY }) as PolicyDecision,
        delivery: { reconciler: { enabled: false }, gates: { clusterSecrets: { [cluster.name]: SECRET } } },
      });
      // The guard finds canaries in the fleet cache: wait until it has this one.
      await waitFor('the canary in the fleet', async () => (await backend!.get(details, ANN)).status === 200, 60_000, 250);
      return backend;
    };
    // What Flagger sends to a gate hook, with no Backstage credentials.
    const flagger = async (clusterName: string, secret: string) => {
      const res = await fetch(`${backend!.baseUrl}/gates/${clusterName}/${secret}/confirm-promotion`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name, namespace: NS, phase: 'WaitingPromotion', metadata: {} }),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, text: await res.text() };
    };

    try {
      // ---- first backend: closed; one approval of two keeps it closed
      let be = await life();
      expect(await flagger(cluster.name, SECRET)).toEqual({ status: 403, text: 'Forbidden' });
      expect((await flagger(cluster.name, 'wrong-secret')).status).toBe(401);
      expect((await flagger('no-such-cluster', SECRET)).status).toBe(404);
      const first = await be.post(`${details}/actions/approve`, { ...observed, comment: 'numbers look fine' }, ANN);
      expect(first).toMatchObject({ status: 200, body: { changed: true, gate: { state: 'pending', approvals: 1, required: 2 } } });
      expect((await flagger(cluster.name, SECRET)).status).toBe(403);

      // ---- second backend, same database: Ann's vote is still there, so Bob's opens the gate
      be = await life();
      expect((await flagger(cluster.name, SECRET)).status).toBe(403);
      const again = await be.post(`${details}/actions/approve`, observed, ANN);
      expect(again).toMatchObject({ status: 200, body: { changed: false, message: 'already approved by you' } });
      const bobOffer = (await be.get(details, BOB)).body.actions.find((a: { id: string }) => a.id === 'approve');
      expect(bobOffer.confirm).toContain('(1 of 2 approvals so far)');
      const second = await be.post(`${details}/actions/approve`, observed, BOB);
      expect(second).toMatchObject({ status: 200, body: { changed: true, gate: { state: 'open', approvals: 2, required: 2 } } });
      expect(await flagger(cluster.name, SECRET)).toEqual({ status: 200, text: 'Approved' });

      // ---- third backend: still open
      be = await life();
      expect((await flagger(cluster.name, SECRET)).status).toBe(200);
      expect((await be.get(details, BOB)).body.actions.some((a: { id: string }) => a.id === 'approve')).toBe(false);
    } finally {
      await backend?.stop();
      await db.drop();
    }
  });
});

