import { DatabaseService, resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  ActionRefusal,
  AnalysisCheck,
  CanaryEvent,
  CanaryRef,
  CanarySummary,
  CheckErrorClass,
  ClusterHealth,
  RolloutRun,
  RunOutcome,
} from '@delivery/plugin-delivery-common';
import { createHash } from 'node:crypto';
import { Knex } from 'knex';
import { ActorRecord, HistoryStore, NewRun, RunEnd, RunProgress } from './store';

const migrationsDir = resolvePackagePath('@delivery/plugin-delivery-backend', 'migrations');

type RunRow = {
  id: number;
  cluster: string;
  namespace: string;
  canary: string;
  revision: string | null;
  canary_images: string;
  primary_images: string;
  started_at: string;
  ended_at: string | null;
  outcome: string;
  max_weight: number;
  max_iteration: number;
  reason: string | null;
};

const where = (ref: CanaryRef) => ({ cluster: ref.cluster, namespace: ref.namespace, canary: ref.name });
const num = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
const str = (v: string | null | undefined) => v ?? undefined;
const hash = (s: string) => createHash('sha256').update(s).digest('hex');

type ActorRow = {
  actor: string;
  action: string;
  time: string;
  comment: string | null;
  outcome: string;
  refusal: string | null;
  message: string | null;
  phase_before: string | null;
  phase_after: string | null;
  weight_before: number | null;
  weight_after: number | null;
};

const actorOf = (a: ActorRow): ActorRecord => ({
  actor: a.actor,
  action: a.action,
  time: a.time,
  comment: str(a.comment),
  outcome: a.outcome as ActorRecord['outcome'],
  refusal: str(a.refusal) as ActionRefusal | undefined,
  message: str(a.message),
  phaseBefore: str(a.phase_before),
  phaseAfter: str(a.phase_after),
  weightBefore: num(a.weight_before),
  weightAfter: num(a.weight_after),
});

/** HistoryStore over the plugin's knex database; the SQL is plain enough for SQLite and PostgreSQL alike. */
export class DatabaseHistoryStore implements HistoryStore {
  static async create(options: { database: DatabaseService }): Promise<DatabaseHistoryStore> {
    const db = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await db.migrate.latest({ directory: migrationsDir, tableName: 'delivery_knex_migrations' });
    }
    return new DatabaseHistoryStore(db);
  }

  private constructor(private readonly db: Knex) {}

  async startRun(run: NewRun): Promise<string> {
    const [row] = await this.db('delivery_runs')
      .insert({
        ...where(run.ref),
        revision: run.revision ?? null,
        canary_images: JSON.stringify(run.canaryImages),
        primary_images: JSON.stringify(run.primaryImages),
        started_at: run.startedAt,
        outcome: 'running',
        max_weight: 0,
        max_iteration: 0,
      })
      .returning('id');
    return String(typeof row === 'object' ? row.id : row);
  }

  async updateRun(id: string, progress: RunProgress): Promise<void> {
    if (progress.maxWeightReached !== undefined) {
      await this.db('delivery_runs')
        .where({ id: Number(id) })
        .andWhere('max_weight', '<', progress.maxWeightReached)
        .update({ max_weight: progress.maxWeightReached });
    }
    if (progress.maxIterationReached !== undefined) {
      await this.db('delivery_runs')
        .where({ id: Number(id) })
        .andWhere('max_iteration', '<', progress.maxIterationReached)
        .update({ max_iteration: progress.maxIterationReached });
    }
  }

  async endRun(id: string, end: RunEnd): Promise<void> {
    await this.db('delivery_runs')
      .where({ id: Number(id), outcome: 'running' })
      .update({ ended_at: end.endedAt, outcome: end.outcome, reason: end.reason ?? null });
  }

  private async withActors(rows: RunRow[]): Promise<RolloutRun[]> {
    const ids = rows.map(r => r.id);
    const actors = ids.length
      ? await this.db('delivery_actors').whereIn('run_id', ids).orderBy('time', 'asc')
      : [];
    return rows.map(r => ({
      id: String(r.id),
      cluster: r.cluster,
      namespace: r.namespace,
      name: r.canary,
      revision: str(r.revision),
      canaryImages: JSON.parse(r.canary_images),
      primaryImages: JSON.parse(r.primary_images),
      startedAt: r.started_at,
      endedAt: str(r.ended_at),
      outcome: r.outcome as RunOutcome,
      maxWeightReached: Number(r.max_weight),
      maxIterationReached: Number(r.max_iteration),
      reason: str(r.reason),
      actors: actors
        .filter(a => a.run_id === r.id)
        .map(actorOf),
    }));
  }

  async openRun(ref: CanaryRef): Promise<RolloutRun | undefined> {
    const rows = await this.db<RunRow>('delivery_runs')
      .where({ ...where(ref), outcome: 'running' })
      .orderBy('id', 'desc')
      .limit(1);
    return (await this.withActors(rows))[0];
  }

  async openRuns(): Promise<RolloutRun[]> {
    return this.withActors(await this.db<RunRow>('delivery_runs').where({ outcome: 'running' }));
  }

  async listRuns(ref: CanaryRef, options?: { limit?: number }): Promise<RolloutRun[]> {
    const rows = await this.db<RunRow>('delivery_runs')
      .where(where(ref))
      .orderBy([{ column: 'started_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .limit(options?.limit ?? 20);
    return this.withActors(rows);
  }

  async recordCheck(ref: CanaryRef, check: AnalysisCheck, runId?: string): Promise<void> {
    await this.db('delivery_checks').insert({
      ...where(ref),
      run_id: runId ? Number(runId) : null,
      kind: check.kind,
      name: check.name,
      value: check.value ?? null,
      threshold_min: check.thresholdMin ?? null,
      threshold_max: check.thresholdMax ?? null,
      passed: check.passed,
      error_class: check.errorClass ?? null,
      message: check.message ?? null,
      weight: check.weight ?? null,
      iteration: check.iteration ?? null,
      time: check.time,
    });
  }

  async listChecks(ref: CanaryRef, options?: { limit?: number; runId?: string }): Promise<AnalysisCheck[]> {
    const q = this.db('delivery_checks').where(where(ref));
    if (options?.runId) q.andWhere({ run_id: Number(options.runId) });
    const rows = await q.orderBy([{ column: 'time', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(options?.limit ?? 200);
    return rows.map(r => ({
      time: r.time,
      kind: r.kind,
      name: r.name,
      value: num(r.value),
      thresholdMin: num(r.threshold_min),
      thresholdMax: num(r.threshold_max),
      passed: Boolean(r.passed),
      errorClass: str(r.error_class) as CheckErrorClass | undefined,
      message: str(r.message),
      weight: num(r.weight),
      iteration: num(r.iteration),
    }));
  }

  async recordActor(ref: CanaryRef, actor: ActorRecord, runId?: string): Promise<void> {
    await this.db('delivery_actors').insert({
      ...where(ref),
      run_id: runId ? Number(runId) : null,
      actor: actor.actor,
      action: actor.action,
      comment: actor.comment ?? null,
      time: actor.time,
      outcome: actor.outcome ?? 'accepted',
      refusal: actor.refusal ?? null,
      message: actor.message ?? null,
      phase_before: actor.phaseBefore ?? null,
      phase_after: actor.phaseAfter ?? null,
      weight_before: actor.weightBefore ?? null,
      weight_after: actor.weightAfter ?? null,
    });
  }

  async upsertEvents(ref: CanaryRef, events: Array<CanaryEvent & { firstTime: string }>): Promise<void> {
    if (!events.length) return;
    const rows = events.map(e => ({
      ...where(ref),
      type: e.type,
      reason: e.reason,
      message: e.message,
      message_hash: hash(e.message),
      source: e.source,
      first_time: e.firstTime,
      last_time: e.time,
      count: e.count ?? 1,
    }));
    await this.db('delivery_events')
      .insert(rows)
      .onConflict(['cluster', 'namespace', 'canary', 'reason', 'message_hash', 'first_time'])
      .merge(['count', 'last_time', 'type']);
  }

  async listEvents(ref: CanaryRef, options?: { limit?: number }): Promise<CanaryEvent[]> {
    const rows = await this.db('delivery_events')
      .where(where(ref))
      .orderBy([{ column: 'last_time', order: 'desc' }, { column: 'id', order: 'desc' }])
      .limit(options?.limit ?? 100);
    return rows.map(r => ({
      time: r.last_time,
      type: r.type,
      reason: r.reason,
      message: r.message,
      source: r.source,
      count: Number(r.count),
    }));
  }

  async saveSnapshot(
    clusters: string[],
    summaries: CanarySummary[],
    health: ClusterHealth[],
    savedAt: string,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      await tx('delivery_snapshots').whereIn('cluster', clusters).delete();
      const rows = summaries.map(s => ({
        cluster: s.cluster,
        namespace: s.namespace,
        canary: s.name,
        summary: JSON.stringify(s),
        updated_at: savedAt,
      }));
      // Small batches keep SQLite under its bound-variable limit.
      for (let i = 0; i < rows.length; i += 100) await tx('delivery_snapshots').insert(rows.slice(i, i + 100));
      for (const h of health) {
        await tx('delivery_cluster_snapshots')
          .insert({ cluster: h.name, health: JSON.stringify(h), updated_at: savedAt })
          .onConflict('cluster')
          .merge();
      }
    });
  }

  async loadSnapshot(): Promise<{ summaries: CanarySummary[]; health: ClusterHealth[]; savedAt?: string }> {
    const rows = await this.db('delivery_snapshots').select('summary', 'updated_at');
    const health = await this.db('delivery_cluster_snapshots').select('health', 'updated_at');
    const times = [...rows, ...health].map(r => r.updated_at as string).sort();
    return {
      summaries: rows.map(r => JSON.parse(r.summary)),
      health: health.map(r => JSON.parse(r.health)),
      savedAt: times[0],
    };
  }

  async deleteOlderThan(cutoff: string): Promise<{ runs: number; checks: number; events: number }> {
    return this.db.transaction(async tx => {
      const old = tx('delivery_runs').select('id').whereNotNull('ended_at').andWhere('ended_at', '<', cutoff);
      await tx('delivery_actors').whereIn('run_id', old.clone()).delete();
      // Attempts recorded while a canary had no run belong to none; they age out on their own time.
      await tx('delivery_actors').whereNull('run_id').andWhere('time', '<', cutoff).delete();
      const checks = await tx('delivery_checks')
        .whereIn('run_id', old.clone())
        .orWhere('time', '<', cutoff)
        .delete();
      const runs = await tx('delivery_runs').whereNotNull('ended_at').andWhere('ended_at', '<', cutoff).delete();
      const events = await tx('delivery_events').where('last_time', '<', cutoff).delete();
      return { runs, checks, events };
    });
  }
}
