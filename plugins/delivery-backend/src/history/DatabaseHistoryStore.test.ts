import { TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { CanarySummary, ClusterHealth } from '@delivery/plugin-delivery-common';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { DatabaseHistoryStore } from './DatabaseHistoryStore';
import { ActorRecord, StoreHistoryRecorder } from './store';

jest.setTimeout(60_000);

// PostgreSQL runs only where BACKSTAGE_TEST_DATABASE_POSTGRES17_CONNECTION_STRING is set (CI); SQLite always.
const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'], disableDocker: true });

const ref = { cluster: 'dev', namespace: 'test', name: 'podinfo' };
const asService = (knex: Knex): DatabaseService => ({ getClient: async () => knex, migrations: { skip: false } });
const migrations = { directory: resolvePackagePath('@delivery/plugin-delivery-backend', 'migrations'), tableName: 'delivery_knex_migrations' };
const ann = 'user:default/ann';

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

  it('records what an action did, accepted or refused, with phase and weight before and after', async () => {
    const other = { ...ref, name: 'actions' };
    const id = await store.startRun({ ref: other, canaryImages: [], primaryImages: [], startedAt: '2026-01-05T00:00:00Z' });
    const refused: ActorRecord = {
      actor: 'user:default/bob',
      action: 'abort',
      time: '2026-01-05T00:01:00Z',
      outcome: 'refused',
      refusal: 'forbidden',
      message: 'delivery.canary.operate is not granted to you for canary dev/test/actions',
      phaseBefore: 'WaitingPromotion',
      weightBefore: 50,
    };
    const accepted: ActorRecord = {
      actor: ann,
      action: 'approve',
      time: '2026-01-05T00:02:00Z',
      comment: 'p99 fine',
      outcome: 'accepted',
      phaseBefore: 'WaitingPromotion',
      phaseAfter: 'Promoting',
      weightBefore: 50,
      weightAfter: 0,
    };
    await store.recordActor(other, refused, id);
    await store.recordActor(other, accepted, id);
    // What the reconciler records when it carries out an intent: no outcome, read as accepted.
    await store.recordActor(other, { actor: ann, action: 'promote-now', time: '2026-01-05T00:03:00Z' }, id);

    const [run] = await store.listRuns(other);
    expect(run.actors).toEqual([refused, accepted, { actor: ann, action: 'promote-now', time: '2026-01-05T00:03:00Z', outcome: 'accepted' }]);
    // A weight of 0 is a value, not an unknown.
    expect(run.actors[1].weightAfter).toBe(0);
  });

  it('records an action between runs with the latest run, and with no run when the canary has none', async () => {
    const recorder = new StoreHistoryRecorder(store);
    const between = { ...ref, name: 'between-runs' };
    const failed = await store.startRun({ ref: between, canaryImages: [], primaryImages: [], startedAt: '2026-01-06T00:00:00Z' });
    await store.endRun(failed, { outcome: 'failed', endedAt: '2026-01-06T00:05:00Z' });
    await recorder.recordAction(between, { actor: ann, action: 'retry', time: '2026-01-06T00:06:00Z', outcome: 'accepted' });
    expect((await store.listRuns(between))[0].actors.map(a => a.action)).toEqual(['retry']);

    const never = { ...ref, name: 'never-ran' };
    await recorder.recordAction(never, { actor: ann, action: 'pause', time: '2026-01-06T00:07:00Z', outcome: 'refused', refusal: 'conflict' });
    expect(await store.listRuns(never)).toEqual([]);
    expect(await knex('delivery_actors').where({ canary: 'never-ran' }).select('run_id', 'outcome')).toEqual([{ run_id: null, outcome: 'refused' }]);
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
    await store.recordActor(other, { actor: ann, action: 'approve', time: '2020-01-01T00:02:00Z' }, oldRun);
    // Attempts that belong to no run: the old one goes, the recent one stays.
    await store.recordActor(other, { actor: ann, action: 'pause', time: '2020-01-01T00:03:00Z', outcome: 'refused', refusal: 'conflict' });
    await store.recordActor(other, { actor: ann, action: 'pause', time: '2022-01-01T00:00:00Z', outcome: 'refused', refusal: 'conflict' });
    const deleted = await store.deleteOlderThan('2021-01-01T00:00:00Z');
    expect(deleted).toEqual({ runs: 1, checks: 1, events: 1 });
    expect((await store.listRuns(other)).map(r => r.id)).toEqual([openRun]);
    expect(await knex('delivery_actors').where({ canary: 'retention' }).select('time')).toEqual([{ time: '2022-01-01T00:00:00Z' }]);
  });
});

describe.each(databases.eachSupportedId())('history migrations on %p', databaseId => {
  it('reads actors recorded before outcomes were kept as accepted, and migrates down and up again', async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.up({ ...migrations, name: '20261123000000_init.js' });
    await knex('delivery_actors').insert({ ...{ cluster: 'dev', namespace: 'test', canary: 'old' }, actor: ann, action: 'approve', time: '2025-12-01T00:00:00Z' });

    await knex.migrate.latest(migrations);
    const old = { ...ref, name: 'old' };
    const store = await DatabaseHistoryStore.create({ database: asService(knex) });
    await store.recordActor(old, { actor: ann, action: 'pause', time: '2025-12-02T00:00:00Z', outcome: 'refused', refusal: 'conflict', phaseBefore: 'Progressing', weightBefore: 10 });
    const rows = await knex('delivery_actors').where({ canary: 'old' }).orderBy('time').select('action', 'outcome', 'refusal', 'phase_before', 'weight_before');
    expect(rows).toEqual([
      { action: 'approve', outcome: 'accepted', refusal: null, phase_before: null, weight_before: null },
      { action: 'pause', outcome: 'refused', refusal: 'conflict', phase_before: 'Progressing', weight_before: 10 },
    ]);

    await knex.migrate.down({ ...migrations, name: '20261202000000_actor_outcomes.js' });
    expect(await knex.schema.hasColumn('delivery_actors', 'outcome')).toBe(false);
    const [{ n }] = await knex('delivery_actors').where({ canary: 'old' }).count({ n: '*' });
    expect(Number(n)).toBe(2);
    await knex.migrate.latest(migrations);
    expect(await knex.schema.hasColumn('delivery_actors', 'outcome')).toBe(true);
  });
});
