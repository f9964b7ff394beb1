import {
  AnalysisCheck,
  CanaryEvent,
  CanaryRef,
  CanarySummary,
  ClusterHealth,
  RolloutRun,
  RunActor,
  RunOutcome,
} from '@delivery/plugin-delivery-common';

export interface NewRun {
  ref: CanaryRef;
  revision?: string;
  canaryImages: string[];
  primaryImages: string[];
  startedAt: string;
}

export interface RunProgress {
  maxWeightReached?: number;
  maxIterationReached?: number;
}

export interface RunEnd {
  endedAt: string;
  outcome: Exclude<RunOutcome, 'running'>;
  reason?: string;
}

/** What a person did or tried to do; steps our reconciler takes on their behalf carry no outcome. */
export type ActorRecord = RunActor;

/** Durable history of rollouts, kept in the plugin database. Every method is safe to call concurrently. */
export interface HistoryStore {
  startRun(run: NewRun): Promise<string>;
  /** Raises the recorded maxima; never lowers them. */
  updateRun(id: string, progress: RunProgress): Promise<void>;
  endRun(id: string, end: RunEnd): Promise<void>;
  /** The run still marked running for this canary, if any. */
  openRun(ref: CanaryRef): Promise<RolloutRun | undefined>;
  /** Every running run, to resume tracking after a restart. */
  openRuns(): Promise<RolloutRun[]>;
  /** Newest first, with their actors. */
  listRuns(ref: CanaryRef, options?: { limit?: number }): Promise<RolloutRun[]>;

  recordCheck(ref: CanaryRef, check: AnalysisCheck, runId?: string): Promise<void>;
  /** Newest first. */
  listChecks(ref: CanaryRef, options?: { limit?: number; runId?: string }): Promise<AnalysisCheck[]>;

  recordActor(ref: CanaryRef, actor: ActorRecord, runId?: string): Promise<void>;

  /** Inserts or, for the same (canary, reason, message, first time), raises count and last time. */
  upsertEvents(ref: CanaryRef, events: Array<CanaryEvent & { firstTime: string }>): Promise<void>;
  /** Newest first. */
  listEvents(ref: CanaryRef, options?: { limit?: number }): Promise<CanaryEvent[]>;

  /** Replaces the stored summaries of the given clusters with `summaries`. */
  saveSnapshot(clusters: string[], summaries: CanarySummary[], health: ClusterHealth[], savedAt: string): Promise<void>;
  loadSnapshot(): Promise<{ summaries: CanarySummary[]; health: ClusterHealth[]; savedAt?: string }>;

  /** Deletes runs (with their checks and actors), loose checks, loose actors and events older than `cutoff`. */
  deleteOlderThan(cutoff: string): Promise<{ runs: number; checks: number; events: number }>;
}

/**
 * What the reconciler reports while it analyses a canary. Runs themselves are derived from status transitions by the
 * RunTracker, for our canaries and upstream Flagger's alike; checks and human actions are only known to the caller.
 */
export interface HistoryRecorder {
  recordCheck(ref: CanaryRef, check: AnalysisCheck): Promise<void>;
  recordAction(ref: CanaryRef, action: ActorRecord): Promise<void>;
}

/**
 * A recorder that attaches checks and actions to the canary's open run. An action taken between runs (a retry of a
 * Failed run, a refused attempt) goes with the latest run, where the run history shows it.
 */
export class StoreHistoryRecorder implements HistoryRecorder {
  constructor(private readonly store: HistoryStore) {}

  async recordCheck(ref: CanaryRef, check: AnalysisCheck): Promise<void> {
    const run = await this.store.openRun(ref);
    await this.store.recordCheck(ref, check, run?.id);
  }

  async recordAction(ref: CanaryRef, action: ActorRecord): Promise<void> {
    const run = (await this.store.openRun(ref)) ?? (await this.store.listRuns(ref, { limit: 1 }))[0];
    await this.store.recordActor(ref, action, run?.id);
  }
}
