/* eslint-disable @backstage/no-relative-monorepo-imports -- see deliveryBackend.ts */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseService } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import { Client } from 'pg';
import { createFleet } from '../../../../plugins/delivery-backend/src/fleet/aggregator';
import { DatabaseHistoryStore } from '../../../../plugins/delivery-backend/src/history/DatabaseHistoryStore';
import { saveFleetSnapshot } from '../../../../plugins/delivery-backend/src/history/fleetPersistence';
import { describeE2e, requireEnv } from '../lib/gate';
import { WatchFaultProxy } from '../lib/watchFaultProxy';
import { FleetClusters, progressingStatus, waitFor } from './fleetEnv';

jest.setTimeout(120_000);

interface Db {
  /** A new connection to the same database, as a restarted backend would open. */
  connect(): Knex;
  drop(): Promise<void>;
}

function sqliteFile(): Db {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-history-'));
  const filename = path.join(dir, 'delivery.sqlite');
  return {
    connect: () => knexFactory({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true }),
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgres(): Promise<Db> {
  const url = requireEnv('DELIVERY_TEST_PG_URL');
  const name = `delivery_history_${Date.now()}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    connect: () => knexFactory({ client: 'pg', connection: `${url}/${name}` }),
    drop: async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const asService = (knex: Knex): DatabaseService => ({ getClient: async () => knex, migrations: { skip: false } });

describeE2e('history and warm start across a backend restart', () => {
  let env: FleetClusters;

  beforeAll(async () => {
    env = await FleetClusters.start(['history']);
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  it.each([
    ['SQLite (file)', async () => sqliteFile()],
    ['PostgreSQL', postgres],
  ])('5: on %s, runs, checks and events survive and the snapshot is served stale until the cluster re-syncs', async (_name, open) => {
    const db = await open();
    const [cluster] = env.clusters;
    const ns = `hist-${Date.now().toString(36)}`;
    await env.ensureNamespace(cluster, ns);
    await env.createCanary(cluster, ns, 'podinfo', progressingStatus(20));
    const ref = { cluster: cluster.name, namespace: ns, name: 'podinfo' };
    const logger = mockServices.logger.mock();
    const proxy = new WatchFaultProxy({ upstream: cluster.server, caData: cluster.caData });
    const url = await proxy.start();
    const clusters = [{ name: cluster.name, url, serviceAccountToken: cluster.token, skipTLSVerify: false }];
    let knex = db.connect();
    // What the test was doing and what the fleet looked like, added to any failure: this test once failed in CI
    // only, and a bare assertion did not say which life or what the aggregator saw.
    let step = 'first life: writing history';
    let fleetNow: ReturnType<typeof createFleet> | undefined;
    try {
      // ---- first life: history written, fleet synced and its snapshot saved as on shutdown
      const store = await DatabaseHistoryStore.create({ database: asService(knex) });
      const done = await store.startRun({ ref, revision: 'r1', canaryImages: ['podinfo:6.0.1'], primaryImages: ['podinfo:6.0.0'], startedAt: '2026-01-01T00:00:00.000Z' });
      await store.updateRun(done, { maxWeightReached: 50 });
      await store.endRun(done, { outcome: 'succeeded', endedAt: '2026-01-01T00:10:00.000Z' });
      const open_ = await store.startRun({ ref, revision: 'r2', canaryImages: ['podinfo:6.0.2'], primaryImages: ['podinfo:6.0.1'], startedAt: '2026-01-02T00:00:00.000Z' });
      await store.recordCheck(ref, { time: '2026-01-02T00:01:00.000Z', kind: 'metric', name: 'request-success-rate', value: 99.5, thresholdMin: 99, passed: true, weight: 10 }, open_);
      await store.recordActor(ref, { actor: 'user:default/ann', action: 'pause', time: '2026-01-02T00:02:00.000Z' }, open_);
      const event = { time: '2026-01-02T00:00:30.000Z', firstTime: '2026-01-02T00:00:30.000Z', type: 'Normal' as const, reason: 'Synced', message: 'Advance podinfo canary weight 10', source: 'flagger', count: 1 };
      await store.upsertEvents(ref, [event]);
      await store.upsertEvents(ref, [{ ...event, count: 3, time: '2026-01-02T00:00:50.000Z' }]);
      const written = { runs: await store.listRuns(ref), checks: await store.listChecks(ref), events: await store.listEvents(ref) };

      step = 'first life: initial sync';
      const first = createFleet({ clusters, logger });
      fleetNow = first;
      first.fleet.start();
      await waitFor('first life synced', () => first.fleet.clusterHealth()[0].state === 'synced');
      await waitFor('row with images', () => (first.fleet.summary(ref)?.primaryImages.length ?? 0) > 0);
      await saveFleetSnapshot(store, first.fleet);
      await first.fleet.stop();
      await knex.destroy();

      step = 'the cluster moves on while the backend is down';
      await env.setStatus(cluster, ns, 'podinfo', progressingStatus(40));

      // ---- second life: a new connection and store; the cluster does not answer yet
      step = 'second life: reopening the store';
      knex = db.connect();
      const reopened = await DatabaseHistoryStore.create({ database: asService(knex) });
      expect(await reopened.listRuns(ref)).toEqual(written.runs);
      expect(await reopened.listChecks(ref)).toEqual(written.checks);
      expect(await reopened.listEvents(ref)).toEqual(written.events);
      expect(written.events).toHaveLength(1);
      expect(written.runs.map(r => [r.revision, r.outcome])).toEqual([['r2', 'running'], ['r1', 'succeeded']]);
      expect((await reopened.openRun(ref))?.id).toBe(open_);

      const snapshot = await reopened.loadSnapshot();
      proxy.holding = true;
      step = 'second life: served from the snapshot while the cluster does not answer';
      const second = createFleet({ clusters, logger, snapshot: { summaries: snapshot.summaries, savedAt: Date.parse(snapshot.savedAt!) } });
      fleetNow = second;
      second.fleet.start();
      const [stale] = second.fleet.clusterHealth();
      expect(stale).toMatchObject({ state: 'stale', lastSyncTime: snapshot.savedAt });
      expect(second.fleet.summary(ref)).toMatchObject({ canaryWeight: 20, primaryImages: ['ghcr.io/stefanprodan/podinfo:6.0.0'] });

      step = 'second life: re-sync after the cluster answers';
      proxy.release();
      await waitFor('second life re-synced', () => second.fleet.clusterHealth()[0].state === 'synced');
      expect(second.fleet.summary(ref)?.canaryWeight).toBe(40);
      await second.fleet.stop();
    } catch (e) {
      const seen = fleetNow && { health: fleetNow.fleet.clusterHealth(), row: fleetNow.fleet.summary(ref) };
      const last = proxy.requests.slice(-15).map(r => `${r.at}ms ${r.method} ${r.path}${r.watch ? ' (watch)' : ''}`);
      (e as Error).message += `\n\nstep: ${step}\nfleet: ${JSON.stringify(seen)}\nlast proxied requests:\n${last.join('\n')}`;
      throw e;
    } finally {
      await fleetNow?.fleet.stop();
      await knex.destroy();
      await proxy.close();
      await db.drop();
    }
  });
});
