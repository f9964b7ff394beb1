import {
  Canary,
  CanaryEvent,
  CanaryPhase,
  CanarySummary,
  effectiveAnalysis,
  isAnalysisSkipped,
  maxWeightOf,
  strategyOf,
} from '@delivery/plugin-delivery-common';
import { CanaryFacts, canaryFacts } from '../kube/compactCanary';
import { KubeObject } from '../kube/types';
import { WorkloadRecord } from './workloadRecord';

/** A Kubernetes core/v1 Event as the cache keeps it (see kube/projectors.ts). */
export interface KubeEvent extends KubeObject {
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { component?: string };
  reportingComponent?: string;
}

type Workload = KubeObject & {
  spec?: { template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: Array<{ image?: string }> } } };
};

export function imagesOf(workload: KubeObject | undefined): string[] {
  // A cached record's own image list, shared with the row (rows are never changed in place).
  if (workload instanceof WorkloadRecord && workload.images.every(Boolean)) return workload.images as string[];
  const containers = (workload as Workload | undefined)?.spec?.template?.spec?.containers ?? [];
  const images = containers.map(c => c.image);
  // `map` sizes its result exactly; `filter` grows one by pushing (room for 17), and every row keeps two of these.
  return images.every(Boolean) ? (images as string[]) : images.filter((i): i is string => Boolean(i));
}

export function templateLabelsOf(workload: KubeObject | undefined): Record<string, string> | undefined {
  return (workload as Workload | undefined)?.spec?.template?.metadata?.labels;
}

export function eventTime(e: KubeEvent): string {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '';
}

export function toCanaryEvent(e: KubeEvent): CanaryEvent {
  return {
    time: eventTime(e),
    type: e.type === 'Warning' ? 'Warning' : 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    source: e.source?.component ?? e.reportingComponent ?? '',
    count: e.count,
  };
}

const ACTIVE: CanaryPhase[] = ['Initializing', 'Progressing', 'Promoting', 'Finalising'];
const ATTENTION: CanaryPhase[] = ['Failed', 'Waiting', 'WaitingPromotion'];

/**
 * An active run is stuck when its status was not written for longer than the progress deadline plus one interval
 * (`CanaryFacts.stuckAfterSeconds`): a live controller writes status at least once per tick while a run is active.
 */
export function isStuck(phase: CanaryPhase, lastTransitionTime: string | undefined, stuckAfterSeconds: number, now: number): boolean {
  if (!ACTIVE.includes(phase)) return false;
  const last = Date.parse(lastTransitionTime ?? '');
  if (Number.isNaN(last)) return false;
  return now - last > stuckAfterSeconds * 1000;
}

/** Whole seconds since the epoch, or undefined when unparsable: Kubernetes times mix second and micro precision. */
function epochSecond(time: string | undefined): number | undefined {
  const ms = Date.parse(time ?? '');
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * The controller's latest word: the Promoted condition's message, unless a Warning event is newer. Times are compared
 * parsed (string order breaks across formats and offsets); within the same second the status wins, as the
 * controller writes both in one tick and the condition is the settled state.
 */
export function controllerMessage(
  promoted: { message?: string; lastUpdateTime?: string } | undefined,
  events: KubeEvent[],
): string | undefined {
  let latest: KubeEvent | undefined;
  let latestAt = -Infinity;
  for (const e of events) {
    const at = Date.parse(eventTime(e));
    if (!latest || (!Number.isNaN(at) && at > latestAt)) {
      latest = e;
      latestAt = Number.isNaN(at) ? -Infinity : at;
    }
  }
  if (latest?.type !== 'Warning') return promoted?.message;
  const statusAt = epochSecond(promoted?.lastUpdateTime);
  const warningAt = epochSecond(eventTime(latest));
  if (promoted?.message && statusAt !== undefined && (warningAt === undefined || warningAt <= statusAt)) {
    return promoted.message;
  }
  return latest.message;
}

/** What a row is built from besides the canary: its workloads, events and catalog entities, and the time. */
export interface RowContext {
  target?: KubeObject;
  primary?: KubeObject;
  /** Events of this canary, any order. */
  events: KubeEvent[];
  entityRefs?: string[];
  now: number;
}

export interface SummaryInput extends RowContext {
  cluster: string;
  canary: Canary;
  /** The canary's facts when the caller has them already (a cached record shares its strings with the row). */
  facts?: CanaryFacts;
}

/** The fleet row of one canary, derived from the cached objects only. */
export function buildSummary(input: SummaryInput): CanarySummary {
  const { canary, now } = input;
  const spec = canary.spec;
  const status = canary.status ?? {};
  const analysis = effectiveAnalysis(spec) ?? {};
  const strategy = strategyOf(spec);
  const weightBased = strategy === 'canary' || strategy === 'canary-mirroring';
  const facts = input.facts ?? canaryFacts(canary);
  // The fields the row shows of the canary itself; `rebuildSummary` takes them from the previous row.
  const own: CanarySummary = {
    cluster: input.cluster,
    namespace: canary.metadata.namespace ?? '',
    name: canary.metadata.name,
    uid: canary.metadata.uid,
    resourceVersion: canary.metadata.resourceVersion,
    strategy,
    analysisSkipped: isAnalysisSkipped(spec),
    provider: spec.provider ?? '',
    targetKind: spec.targetRef?.kind ?? 'Deployment',
    targetName: facts.targetName,
    phase: status.phase ?? '',
    canaryWeight: status.canaryWeight ?? 0,
    iterations: status.iterations ?? 0,
    failedChecks: status.failedChecks ?? 0,
    threshold: analysis.threshold && analysis.threshold > 0 ? analysis.threshold : 1,
    maxWeight: weightBased ? maxWeightOf(analysis) : undefined,
    totalIterations: weightBased ? undefined : Math.max(1, analysis.iterations ?? 10),
    primaryImages: [],
    canaryImages: [],
    lastTransitionTime: status.lastTransitionTime,
    suspended: Boolean(spec.suspend),
    needsAttention: false,
    updatedAt: status.lastTransitionTime ?? canary.metadata.creationTimestamp ?? new Date(now).toISOString(),
  };
  return rebuildSummary(own, facts, input);
}

/**
 * A row rebuilt after its workloads, events or entities changed but not its canary: the canary's own fields come
 * from the previous row and `facts`, so the canary is not read (an observed cluster keeps it deflated).
 */
export function rebuildSummary(prev: CanarySummary, facts: CanaryFacts, ctx: RowContext): CanarySummary {
  // One literal with every field in one order: rows share one hidden class, and a row is compared field by field.
  return {
    cluster: prev.cluster,
    namespace: prev.namespace,
    name: prev.name,
    uid: prev.uid,
    resourceVersion: prev.resourceVersion,
    strategy: prev.strategy,
    analysisSkipped: prev.analysisSkipped,
    provider: prev.provider,
    targetKind: prev.targetKind,
    targetName: prev.targetName,
    phase: prev.phase,
    canaryWeight: prev.canaryWeight,
    iterations: prev.iterations,
    failedChecks: prev.failedChecks,
    threshold: prev.threshold,
    maxWeight: prev.maxWeight,
    totalIterations: prev.totalIterations,
    primaryImages: imagesOf(ctx.primary),
    canaryImages: imagesOf(ctx.target),
    lastTransitionTime: prev.lastTransitionTime,
    message: controllerMessage({ message: facts.promotedMessage, lastUpdateTime: facts.promotedUpdateTime }, ctx.events),
    suspended: prev.suspended,
    needsAttention:
      ATTENTION.includes(prev.phase) || isStuck(prev.phase, prev.lastTransitionTime, facts.stuckAfterSeconds, ctx.now),
    entityRefs: ctx.entityRefs,
    updatedAt: prev.updatedAt,
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

/** Whether two rows show the same thing (a missing field equals an undefined one), without serializing them. */
export function sameSummary(a: CanarySummary, b: CanarySummary): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  for (const k in x) if (!sameValue(x[k], y[k])) return false;
  for (const k in y) if (!(k in x) && y[k] !== undefined) return false;
  return true;
}
