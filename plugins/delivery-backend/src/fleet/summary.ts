import {
  Canary,
  CanaryEvent,
  CanaryPhase,
  CanarySummary,
  effectiveAnalysis,
  isAnalysisSkipped,
  maxWeightOf,
  parseDurationSeconds,
  strategyOf,
} from '@delivery/plugin-delivery-common';
import { KubeObject } from '../kube/types';

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
 * An active run is stuck when its status was not written for longer than the progress deadline plus one interval:
 * a live controller writes status at least once per tick while a run is active.
 */
export function isStuck(canary: Canary, now: number): boolean {
  const phase = canary.status?.phase ?? '';
  if (!ACTIVE.includes(phase)) return false;
  const last = Date.parse(canary.status?.lastTransitionTime ?? '');
  if (Number.isNaN(last)) return false;
  const deadline = (canary.spec.progressDeadlineSeconds ?? 600) + (parseDurationSeconds(effectiveAnalysis(canary.spec)?.interval) ?? 60);
  return now - last > deadline * 1000;
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

export interface SummaryInput {
  cluster: string;
  canary: Canary;
  target?: KubeObject;
  primary?: KubeObject;
  /** Events of this canary, any order. */
  events: KubeEvent[];
  entityRefs?: string[];
  now: number;
}

/** The fleet row of one canary, derived from the cached objects only. */
export function buildSummary(input: SummaryInput): CanarySummary {
  const { canary, now } = input;
  const spec = canary.spec;
  const status = canary.status ?? {};
  const analysis = effectiveAnalysis(spec) ?? {};
  const strategy = strategyOf(spec);
  const phase = status.phase ?? '';
  const promoted = status.conditions?.find(c => c.type === 'Promoted');
  const message = controllerMessage(promoted, input.events);
  const weightBased = strategy === 'canary' || strategy === 'canary-mirroring';
  return {
    cluster: input.cluster,
    namespace: canary.metadata.namespace ?? '',
    name: canary.metadata.name,
    uid: canary.metadata.uid,
    resourceVersion: canary.metadata.resourceVersion,
    strategy,
    analysisSkipped: isAnalysisSkipped(spec),
    provider: spec.provider ?? '',
    targetKind: spec.targetRef?.kind ?? 'Deployment',
    targetName: spec.targetRef?.name ?? '',
    phase,
    canaryWeight: status.canaryWeight ?? 0,
    iterations: status.iterations ?? 0,
    failedChecks: status.failedChecks ?? 0,
    threshold: analysis.threshold && analysis.threshold > 0 ? analysis.threshold : 1,
    maxWeight: weightBased ? maxWeightOf(analysis) : undefined,
    totalIterations: weightBased ? undefined : Math.max(1, analysis.iterations ?? 10),
    primaryImages: imagesOf(input.primary),
    canaryImages: imagesOf(input.target),
    lastTransitionTime: status.lastTransitionTime,
    message,
    suspended: Boolean(spec.suspend),
    needsAttention: ATTENTION.includes(phase) || isStuck(canary, now),
    entityRefs: input.entityRefs,
    updatedAt: status.lastTransitionTime ?? canary.metadata.creationTimestamp ?? new Date(now).toISOString(),
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
