import { DatabaseService } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { DatabaseGateStore } from './DatabaseGateStore';
import { GateKey } from './types';

jest.setTimeout(60_000);

// PostgreSQL runs where scripts/test.sh exported BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING; SQLite always.
const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'], disableDocker: true });
const asService = (knex: Knex): DatabaseService => ({ getClient: async () => knex, migrations: { skip: false } });

const key = (over: Partial<GateKey> = {}): GateKey => ({
  cluster: 'prod',
  namespace: 'team-a',
  name: 'podinfo',
  runKey: 'run:abc',
  type: 'confirm-promotion',
  ...over,
});
const vote = (actor: string, decision: 'approve' | 'reject' = 'approve', comment?: string) => ({
  actor,
  decision,
  comment,
  time: '2026-02-01T10:00:00.000Z',
});

describe.each(databases.eachSupportedId())('DatabaseGateStore on %p', databaseId => {
  let knex: Knex;
  let store: DatabaseGateStore;

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    store = await DatabaseGateStore.create({ database: asService(knex) });
  });

  it('reads an unknown gate as absent (closed)', async () => {
    expect(await store.get(key())).toBeUndefined();
  });

  it('needs two distinct approvers when two are required, and keeps state across a re-created store', async () => {
    const first = await store.vote(key(), vote('user:default/ann', 'approve', 'looks good'), 2);
    expect(first).toMatchObject({ changed: true, gate: { state: 'pending', requiredApprovals: 2 } });

    const again = await store.vote(key(), vote('user:default/ann'), 2);
    expect(again.changed).toBe(false);
    expect(again.gate.state).toBe('pending');

    const restarted = await DatabaseGateStore.create({ database: asService(knex) });
    const second = await restarted.vote(key(), vote('user:default/bob'), 2);
    expect(second.gate.state).toBe('open');
    expect(second.gate.votes.map(v => [v.actor, v.decision, v.comment])).toEqual([
      ['user:default/ann', 'approve', 'looks good'],
      ['user:default/bob', 'approve', undefined],
    ]);

    const reread = await DatabaseGateStore.create({ database: asService(knex) });
    expect((await reread.get(key()))?.state).toBe('open');
  });

  it('keeps gates of different runs, types and canaries apart', async () => {
    await store.vote(key(), vote('user:default/ann'), 1);
    expect((await store.get(key()))?.state).toBe('open');
    expect(await store.get(key({ runKey: 'run:def' }))).toBeUndefined();
    expect(await store.get(key({ type: 'confirm-rollout' }))).toBeUndefined();
    expect(await store.get(key({ cluster: 'dev' }))).toBeUndefined();
    expect((await store.listRun(key(), 'run:abc')).map(g => g.type)).toEqual(['confirm-promotion']);
  });

  it('lets one rejection close the gate even after approvals, and a changed mind replaces the vote', async () => {
    await store.vote(key(), vote('user:default/ann'), 1);
    const rejected = await store.vote(key(), vote('user:default/bob', 'reject', 'latency'), 1);
    expect(rejected.gate.state).toBe('rejected');
    const changed = await store.vote(key(), vote('user:default/bob', 'approve'), 1);
    expect(changed).toMatchObject({ changed: true, gate: { state: 'open' } });
    expect(changed.gate.votes).toHaveLength(2);
  });

  it('records concurrent identical votes once', async () => {
    const results = await Promise.all([
      store.vote(key(), vote('user:default/ann'), 2),
      store.vote(key(), vote('user:default/ann'), 2),
      store.vote(key(), vote('user:default/ann'), 2),
    ]);
    expect(results.filter(r => r.changed)).toHaveLength(1);
    expect((await store.get(key()))?.votes).toHaveLength(1);
  });

  it('deletes gates and their votes not touched since the cutoff', async () => {
    await store.vote(key(), vote('user:default/ann'), 1);
    expect(await store.deleteOlderThan('2000-01-01T00:00:00Z')).toBe(0);
    expect(await store.deleteOlderThan('2999-01-01T00:00:00Z')).toBe(1);
    expect(await store.get(key())).toBeUndefined();
    const [{ n }] = await knex('delivery_gate_votes').count({ n: '*' });
    expect(Number(n)).toBe(0);
  });
});
