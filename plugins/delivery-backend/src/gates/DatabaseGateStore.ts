import { DatabaseService, resolvePackagePath } from '@backstage/backend-plugin-api';
import { CanaryRef } from '@delivery/plugin-delivery-common';
import { Knex } from 'knex';
import { applyVote, gateState } from './policy';
import { GateDecision, GateKey, GateRecord, GateStore, GateType, GateVote, VoteResult } from './types';

const migrationsDir = resolvePackagePath('@delivery/plugin-delivery-backend', 'migrations');

type GateRow = {
  id: number;
  cluster: string;
  namespace: string;
  canary: string;
  run_key: string;
  gate_type: string;
  required_approvals: number;
  created_at: string;
  updated_at: string;
};

type VoteRow = { gate_id: number; actor: string; decision: string; comment: string | null; time: string };

const keyWhere = (key: GateKey) => ({
  cluster: key.cluster,
  namespace: key.namespace,
  canary: key.name,
  run_key: key.runKey,
  gate_type: key.type,
});

/** GateStore over the plugin's knex database; plain SQL that SQLite and PostgreSQL both run. */
export class DatabaseGateStore implements GateStore {
  static async create(options: { database: DatabaseService; now?: () => Date }): Promise<DatabaseGateStore> {
    const db = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await db.migrate.latest({ directory: migrationsDir, tableName: 'delivery_knex_migrations' });
    }
    return new DatabaseGateStore(db, options.now ?? (() => new Date()));
  }

  private constructor(
    private readonly db: Knex,
    private readonly now: () => Date,
  ) {}

  async get(key: GateKey): Promise<GateRecord | undefined> {
    const row = await this.db<GateRow>('delivery_gates').where(keyWhere(key)).first();
    if (!row) return undefined;
    return this.toRecord(row, await this.votesOf(this.db, row.id));
  }

  async vote(key: GateKey, vote: GateVote, requiredApprovals: number): Promise<VoteResult> {
    try {
      return await this.db.transaction(trx => this.voteIn(trx, key, vote, requiredApprovals));
    } catch (e) {
      // A concurrent identical vote (double click reaching two replicas) lost the unique-index race: the vote
      // is stored, so report it as unchanged instead of failing the second request.
      const gate = await this.get(key);
      const mine = gate?.votes.find(v => v.actor === vote.actor);
      if (gate && mine?.decision === vote.decision) return { gate, changed: false };
      throw e;
    }
  }

  private async voteIn(trx: Knex.Transaction, key: GateKey, vote: GateVote, required: number): Promise<VoteResult> {
    const now = this.now().toISOString();
    await trx('delivery_gates')
      .insert({ ...keyWhere(key), required_approvals: required, created_at: now, updated_at: now })
      .onConflict(['cluster', 'namespace', 'canary', 'run_key', 'gate_type'])
      .ignore();
    const row = await trx<GateRow>('delivery_gates').where(keyWhere(key)).first();
    if (!row) throw new Error(`gate ${key.type} of ${key.cluster}/${key.namespace}/${key.name} vanished while voting`);
    const before = await this.votesOf(trx, row.id);
    const { votes, changed } = applyVote(before, vote);
    if (!changed) return { gate: this.toRecord(row, before), changed: false };
    await trx('delivery_gate_votes').where({ gate_id: row.id, actor: vote.actor }).delete();
    await trx('delivery_gate_votes').insert({
      gate_id: row.id,
      actor: vote.actor,
      decision: vote.decision,
      comment: vote.comment ?? null,
      time: vote.time,
    });
    await trx('delivery_gates').where({ id: row.id }).update({ required_approvals: required, updated_at: now });
    return {
      gate: this.toRecord({ ...row, required_approvals: required, updated_at: now }, votes),
      changed: true,
    };
  }

  async listRun(ref: CanaryRef, runKey: string): Promise<GateRecord[]> {
    const rows = await this.db<GateRow>('delivery_gates')
      .where({ cluster: ref.cluster, namespace: ref.namespace, canary: ref.name, run_key: runKey })
      .orderBy('id');
    const out: GateRecord[] = [];
    for (const row of rows) out.push(this.toRecord(row, await this.votesOf(this.db, row.id)));
    return out;
  }

  async deleteOlderThan(cutoff: string): Promise<number> {
    const ids = this.db('delivery_gates').where('updated_at', '<', cutoff).select('id');
    // Votes first: SQLite only cascades with foreign keys switched on.
    await this.db('delivery_gate_votes').whereIn('gate_id', ids).delete();
    return this.db('delivery_gates').where('updated_at', '<', cutoff).delete();
  }

  private async votesOf(db: Knex, gateId: number): Promise<GateVote[]> {
    const rows = await db<VoteRow>('delivery_gate_votes').where({ gate_id: gateId }).orderBy('id');
    return rows.map(r => ({
      actor: r.actor,
      decision: r.decision as GateDecision,
      time: r.time,
      ...(r.comment ? { comment: r.comment } : {}),
    }));
  }

  private toRecord(row: GateRow, votes: GateVote[]): GateRecord {
    const required = Number(row.required_approvals);
    return {
      cluster: row.cluster,
      namespace: row.namespace,
      name: row.canary,
      runKey: row.run_key,
      type: row.gate_type as GateType,
      requiredApprovals: required,
      state: gateState(votes, required),
      votes,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}
