import { LoggerService } from '@backstage/backend-plugin-api';
import { Canary, CanaryPhase, CanaryRef, CanarySummary, RunOutcome, canaryKey } from '@delivery/plugin-delivery-common';
import { imagesOf } from '../fleet/summary';
import { KINDS, ObjectReader } from '../kube/types';
import { HistoryStore } from './store';

/** What the tracker remembers per canary between status changes. */
export interface RunState {
  runId?: string;
  revision?: string;
  maxWeight: number;
  maxIteration: number;
}

export type RunAction =
  | { type: 'start'; revision?: string; canaryImages: string[]; primaryImages: string[]; startedAt: string }
  | { type: 'progress'; maxWeight?: number; maxIteration?: number }
  | { type: 'end'; outcome: Exclude<RunOutcome, 'running'>; reason?: string; endedAt: string };

const IN_RUN: CanaryPhase[] = ['Progressing', 'WaitingPromotion', 'Promoting', 'Finalising'];
const END: Partial<Record<CanaryPhase, Exclude<RunOutcome, 'running'>>> = {
  Succeeded: 'succeeded',
  Failed: 'failed',
  Terminating: 'aborted',
  Terminated: 'aborted',
};

/**
 * Pure: the history actions implied by one observed status. A run starts when a canary is in an analysis phase with
 * a revision (`lastAppliedSpec`) no open run covers — a new revision mid-run supersedes the open run; it ends on
 * Succeeded, Failed or termination. Works the same for our reconciler and an upstream Flagger, since both write
 * the same status.
 */
export function decideRun(state: RunState | undefined, canary: Canary, summary: CanarySummary, now: string): RunAction[] {
  const status = canary.status ?? {};
  const phase = status.phase ?? '';
  const revision = status.lastAppliedSpec;
  const actions: RunAction[] = [];
  const open = Boolean(state?.runId);
  const time = status.lastTransitionTime ?? now;
  if (IN_RUN.includes(phase)) {
    if (!open || (revision && state?.revision && revision !== state.revision)) {
      if (open) actions.push({ type: 'end', outcome: 'superseded', reason: `new revision ${revision}`, endedAt: time });
      actions.push({
        type: 'start',
        revision,
        canaryImages: summary.canaryImages,
        primaryImages: summary.primaryImages,
        startedAt: time,
      });
    }
    const base = actions.some(a => a.type === 'start') ? { maxWeight: 0, maxIteration: 0 } : state!;
    const weight = status.canaryWeight ?? 0;
    const iteration = status.iterations ?? 0;
    const progress: RunAction = { type: 'progress' };
    if (weight > base.maxWeight) progress.maxWeight = weight;
    if (iteration > base.maxIteration) progress.maxIteration = iteration;
    if (progress.maxWeight !== undefined || progress.maxIteration !== undefined) actions.push(progress);
    return actions;
  }
  const outcome = END[phase];
  if (outcome && open) {
    actions.push({
      type: 'end',
      outcome,
      reason: outcome === 'succeeded' ? undefined : summary.message,
      endedAt: time,
    });
  }
  return actions;
}

/**
 * Images of the target and its primary as the cache holds them when a run starts. The row a change carries can
 * predate the target's listing (the first run after a start, an upstream Flagger canary seen mid-run), and a run
 * recorded without images stays "unknown image" for good.
 */
export function workloadImages(reader: ObjectReader, canary: Canary): { canaryImages: string[]; primaryImages: string[] } {
  const ns = canary.metadata.namespace ?? '';
  const kind = canary.spec?.targetRef?.kind === 'DaemonSet' ? KINDS.daemonSet : KINDS.deployment;
  const name = canary.spec?.targetRef?.name ?? '';
  return {
    canaryImages: imagesOf(reader.get(kind, ns, name)),
    primaryImages: imagesOf(reader.get(kind, ns, `${name}-primary`)),
  };
}

export interface RunTrackerOptions {
  store: HistoryStore;
  logger: LoggerService;
  now?: () => Date;
  /** The watch cache of a cluster, to read a run's images from its workloads when the run starts. */
  readerFor?: (cluster: string) => ObjectReader | undefined;
}

/** Applies `decideRun` to every canary change, one canary at a time, persisting runs in the history store. */
export class RunTracker {
  private readonly states = new Map<string, RunState>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly now: () => Date;

  constructor(private readonly o: RunTrackerOptions) {
    this.now = o.now ?? (() => new Date());
  }

  /** Resumes open runs after a restart, so a run in progress is not started twice. */
  async init(): Promise<void> {
    for (const run of await this.o.store.openRuns()) {
      this.states.set(canaryKey(run), {
        runId: run.id,
        revision: run.revision,
        maxWeight: run.maxWeightReached,
        maxIteration: run.maxIterationReached,
      });
    }
  }

  observe(ref: CanaryRef, canary: Canary | undefined, summary: CanarySummary | undefined): Promise<void> {
    const key = canaryKey(ref);
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev
      .then(() => (canary && summary ? this.apply(key, ref, canary, summary) : undefined))
      .catch(e => this.o.logger.warn(`history for ${key} not recorded: ${(e as Error).message}`));
    this.queues.set(key, next);
    void next.then(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
    return next;
  }

  /** Resolves once every queued observation has been written. */
  async flush(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  private async apply(key: string, ref: CanaryRef, canary: Canary, summary: CanarySummary) {
    const state = this.states.get(key);
    const actions = decideRun(state, canary, summary, this.now().toISOString());
    let next: RunState = state ?? { maxWeight: 0, maxIteration: 0 };
    for (const a of actions) {
      if (a.type === 'end' && next.runId) {
        await this.o.store.endRun(next.runId, { outcome: a.outcome, reason: a.reason, endedAt: a.endedAt });
        next = { ...next, runId: undefined };
      } else if (a.type === 'start') {
        const runId = await this.o.store.startRun({ ref, ...a, ...this.imagesAtStart(ref, canary, a) });
        next = { runId, revision: a.revision, maxWeight: 0, maxIteration: 0 };
      } else if (a.type === 'progress' && next.runId) {
        await this.o.store.updateRun(next.runId, {
          maxWeightReached: a.maxWeight,
          maxIterationReached: a.maxIteration,
        });
        next = {
          ...next,
          maxWeight: a.maxWeight ?? next.maxWeight,
          maxIteration: a.maxIteration ?? next.maxIteration,
        };
      }
    }
    this.states.set(key, next);
  }

  /** The cache's images where it knows them, else those of the row that triggered the start. */
  private imagesAtStart(ref: CanaryRef, canary: Canary, start: { canaryImages: string[]; primaryImages: string[] }) {
    const reader = this.o.readerFor?.(ref.cluster);
    const cached = reader ? workloadImages(reader, canary) : undefined;
    return {
      canaryImages: cached?.canaryImages.length ? cached.canaryImages : start.canaryImages,
      primaryImages: cached?.primaryImages.length ? cached.primaryImages : start.primaryImages,
    };
  }
}
