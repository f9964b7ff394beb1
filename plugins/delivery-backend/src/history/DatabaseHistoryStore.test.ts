import { TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { CanarySummary, ClusterHealth } from '@delivery/plugin-delivery-common';
import { DatabaseHistoryStore } from './DatabaseHistoryStore';

jest.setTimeout(60_000);

// PostgreSQL runs only where BACKSTAGE_TEST_DATABASE_POSTGRES17_CONNECTION_STRING is set (CI); SQLite always.
const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'], disableDocker: true });

const ref = { cluster: 'dev', namespace: 'test', name: 'podinfo' };
const asService = (knex: Knex): DatabaseService => ({ getClient: async () => knex, migrations: { skip: false } });

describe.each(databases.eachSupportedId())('DatabaseHistoryStore on %p', databaseId => {
  let knex: Knex;
  let store: DatabaseHistoryStore;

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    store = await DatabaseHistoryStore.create({ database: asService(knex) });
  });

  it('records a run, raises its maxima only upwards, ends it and keeps it across a restart', async () => {
    const id = await store.startRun({
      ref,
      revision: 'abc',
      canaryImages: ['podinfo:6.1'],
      primaryImages: ['podinfo:6.0'],
      startedAt: '2026-01-01T00:00:00Z',
    });
    await store.updateRun(id, { maxWeightReached: 30 });
    await store.updateRun(id, { maxWeightReached: 10, maxIterationReached: 2 });
    expect((await store.openRun(ref))?.id).toBe(id);
    await store.recordActor(ref, { actor: 'user:default/ann', action: 'approve', time: '2026-01-01T00:01:00Z' }, id);
    await store.endRun(id, { outcome: 'failed', reason: 'Failed checks threshold reached 5', endedAt: '2026-01-01T00:05:00Z' });

    const restarted = await DatabaseHistoryStore.create({ database: asService(knex) });
    const [run] = await restarted.listRuns(ref);
    expect(run).toMatchObject({
      id,
      revision: 'abc',
      canaryImages: ['podinfo:6.1'],
      primaryImages: ['podinfo:6.0'],
      outcome: 'failed',
      maxWeightReached: 30,
      maxIterationReached: 2,
      reason: 'Failed checks threshold reached 5',
      endedAt: '2026-01-01T00:05:00Z',
      actors: [{ actor: 'user:default/ann', action: 'approve', time: '2026-01-01T00:01:00Z' }],
    });
    expect(await restarted.openRun(ref)).toBeUndefined();
  });

  it('stores checks with thresholds, error class and optional values', async () => {
    await store.recordCheck(ref, {
      time: '2026-01-02T00:00:00Z',
      kind: 'metric',
      name: 'request-success-rate',
      value: 97.5,
      thresholdMin: 99,
      passed: false,
      errorClass: 'threshold',
      weight: 20,
    });
    await store.recordCheck(ref, {
      time: '2026-01-02T00:01:00Z',
      kind: 'metric',
      name: 'latency',
      passed: false,
      errorClass: 'no-values',
      message: 'no values found',
    });
    const checks = await store.listChecks(ref, { limit: 2 });
    expect(checks[0]).toEqual({
      time: '2026-01-02T00:01:00Z',
      kind: 'metric',
      name: 'latency',
      value: undefined,
      thresholdMin: undefined,
      thresholdMax: undefined,
      passed: false,
      errorClass: 'no-values',
      message: 'no values found',
      weight: undefined,
      iteration: undefined,
    });
    expect(checks[1]).toMatchObject({ value: 97.5, thresholdMin: 99, passed: false, weight: 20 });
  });

  it('deduplicates events by reason, message and first time, keeping the latest count', async () => {
    const e = { type: 'Warning' as const, reason: 'Synced', message: 'Halt advancement', source: 'flagger' };
    await store.upsertEvents(ref, [{ ...e, firstTime: '2026-01-03T00:00:00Z', time: '2026-01-03T00:00:00Z', count: 1 }]);
    await store.upsertEvents(ref, [{ ...e, firstTime: '2026-01-03T00:00:00Z', time: '2026-01-03T00:02:00Z', count: 3 }]);
    await store.upsertEvents(ref, [{ ...e, firstTime: '2026-01-03T01:00:00Z', time: '2026-01-03T01:00:00Z', count: 1 }]);
    const events = await store.listEvents(ref);
    expect(events.filter(x => x.message === 'Halt advancement')).toEqual([
      { ...e, time: '2026-01-03T01:00:00Z', count: 1 },
      { ...e, time: '2026-01-03T00:02:00Z', count: 3 },
    ]);
  });

  it('replaces the snapshot of the given clusters only', async () => {
    const row = (cluster: string, name: string) => ({ cluster, namespace: 'ns', name, phase: 'Succeeded' }) as CanarySummary;
    const health = (name: string) => ({ name, state: 'synced', controller: 'flagger', canaryCount: 1 }) as ClusterHealth;
    await store.saveSnapshot(['a', 'b'], [row('a', 'x'), row('b', 'y')], [health('a'), health('b')], '2026-01-04T00:00:00Z');
    await store.saveSnapshot(['a'], [row('a', 'z')], [health('a')], '2026-01-04T00:01:00Z');
    const snap = await store.loadSnapshot();
    expect(snap.summaries.map(s => `${s.cluster}/${s.name}`).sort()).toEqual(['a/z', 'b/y']);
    expect(snap.health.map(h => h.name).sort()).toEqual(['a', 'b']);
    expect(snap.savedAt).toBe('2026-01-04T00:00:00Z');
  });

  it('deletes ended runs, checks and events older than the cutoff and keeps open runs', async () => {
    const other = { ...ref, name: 'retention' };
    const oldRun = await store.startRun({ ref: other, canaryImages: [], primaryImages: [], startedAt: '2020-01-01T00:00:00Z' });
    await store.recordCheck(other, { time: '2020-01-01T00:01:00Z', kind: 'webhook', name: 'gate', passed: true }, oldRun);
    await store.endRun(oldRun, { outcome: 'succeeded', endedAt: '2020-01-01T00:10:00Z' });
    const openRun = await store.startRun({ ref: other, canaryImages: [], primaryImages: [], startedAt: '2020-01-02T00:00:00Z' });
    await store.upsertEvents(other, [
      { type: 'Normal', reason: 'Synced', message: 'old', source: 'flagger', firstTime: '2020-01-01T00:00:00Z', time: '2020-01-01T00:00:00Z' },
    ]);
    const deleted = await store.deleteOlderThan('2021-01-01T00:00:00Z');
    expect(deleted).toEqual({ runs: 1, checks: 1, events: 1 });
    expect((await store.listRuns(other)).map(r => r.id)).toEqual([openRun]);
  });
});
