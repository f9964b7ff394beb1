import type { CanaryPhase, CanaryStatus } from './canary';
import type { DeliveryStrategy, PlannedStep } from '../steps';

/**
 * View models served by the Delivery backend and rendered by the Delivery tab and fleet page.
 * They are projections: small, JSON-serialisable, and stable across Flagger and our own reconciler.
 */

/** Health of the aggregator's connection to one cluster. */
export type ClusterState = 'synced' | 'stale' | 'unreachable' | 'unauthorized' | 'not-installed' | 'pending';

export interface ClusterHealth {
  name: string;
  state: ClusterState;
  /** Last time every watched kind was in sync with the API server (ISO time). */
  lastSyncTime?: string;
  /** Human-readable reason for any state other than `synced`. */
  message?: string;
  /** Who drives canaries there: our reconciler, or an upstream Flagger we only observe. */
  controller: 'delivery' | 'flagger';
  dashboardUrl?: string;
  canaryCount: number;
}

/** Which object a canary is addressed by. */
export interface CanaryRef {
  cluster: string;
  namespace: string;
  name: string;
}

export function canaryKey(ref: CanaryRef): string {
  return `${ref.cluster}/${ref.namespace}/${ref.name}`;
}

export function parseCanaryKey(key: string): CanaryRef | undefined {
  const parts = key.split('/');
  if (parts.length !== 3 || parts.some(p => !p)) return undefined;
  return { cluster: parts[0], namespace: parts[1], name: parts[2] };
}

/** One row of the fleet page and the header of a Delivery tab card. */
export interface CanarySummary extends CanaryRef {
  uid?: string;
  resourceVersion?: string;
  strategy: DeliveryStrategy;
  analysisSkipped: boolean;
  provider: string;
  targetKind: string;
  targetName: string;
  phase: CanaryPhase;
  canaryWeight: number;
  iterations: number;
  failedChecks: number;
  threshold: number;
  maxWeight?: number;
  totalIterations?: number;
  /** Image(s) the primary runs (what users get). */
  primaryImages: string[];
  /** Image(s) of the target (what is being rolled out). */
  canaryImages: string[];
  lastTransitionTime?: string;
  /** The controller's message from the Promoted condition, or the last Warning event. */
  message?: string;
  suspended: boolean;
  /** True for Failed, Waiting, WaitingPromotion, or a run stuck past its progress deadline. */
  needsAttention: boolean;
  /** Entity refs this canary was matched to, when known. */
  entityRefs?: string[];
  updatedAt: string;
}

export interface TrafficBackend {
  name: string;
  role: 'primary' | 'canary';
  configuredWeight: number;
  /** Requests per second measured from Prometheus; undefined when not measurable. */
  requestRate?: number;
  /** Percent of non-5xx responses. */
  successRate?: number;
  /** p99 latency in milliseconds. */
  latencyP99Ms?: number;
}

export interface TrafficSplit {
  routerKind: string;
  routerName?: string;
  backends: TrafficBackend[];
  mirrored: boolean;
  /** Header or cookie matches of an A/B run, rendered as text. */
  matches: string[];
  observedAt?: string;
  observedError?: string;
}

export type CheckErrorClass =
  | 'threshold'
  | 'no-values'
  | 'provider-unreachable'
  | 'query-error'
  | 'template-error'
  | 'webhook-error'
  | 'timeout';

/** One analysis check (metric or webhook) as recorded for the history. */
export interface AnalysisCheck {
  time: string;
  kind: 'metric' | 'webhook';
  name: string;
  value?: number;
  thresholdMin?: number;
  thresholdMax?: number;
  passed: boolean;
  errorClass?: CheckErrorClass;
  message?: string;
  weight?: number;
  iteration?: number;
}

export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'superseded' | 'aborted';

/** One rollout of one revision. */
export interface RolloutRun {
  id: string;
  cluster: string;
  namespace: string;
  name: string;
  revision?: string;
  canaryImages: string[];
  primaryImages: string[];
  startedAt: string;
  endedAt?: string;
  outcome: RunOutcome;
  maxWeightReached: number;
  maxIterationReached: number;
  reason?: string;
  actors: RunActor[];
}

/** Why an action was refused: the permission framework said no (403), or the canary was not in that state (409). */
export type ActionRefusal = 'forbidden' | 'conflict';

/**
 * Something a person did, or tried to do, to a canary as the run history records it. The outcome, phases and weights
 * are absent on rows recorded before they were kept and on steps our reconciler takes on a person's behalf.
 */
export interface RunActor {
  actor: string;
  action: string;
  time: string;
  comment?: string;
  outcome?: 'accepted' | 'refused';
  /** Set when refused. */
  refusal?: ActionRefusal;
  /** Why it was refused, as the user was told. */
  message?: string;
  phaseBefore?: string;
  phaseAfter?: string;
  weightBefore?: number;
  weightAfter?: number;
}

export interface CanaryEvent {
  time: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  source: string;
  count?: number;
}

export interface GeneratedObject {
  kind: string;
  name: string;
  namespace: string;
  status: string;
  ready?: boolean;
}

export interface MetricSpecView {
  name: string;
  interval: string;
  thresholdMin?: number;
  thresholdMax?: number;
  source: 'builtin' | 'query' | 'template';
}

export interface WebhookView {
  name: string;
  type: string;
  host: string;
  lastResult?: { passed: boolean; time: string; message?: string };
}

/** Everything the Delivery tab shows for one canary. */
export interface CanaryDetails extends CanarySummary {
  plannedSteps: PlannedStep[];
  /** Index into plannedSteps of the current step, -1 when idle. */
  currentStep: number;
  interval: string;
  progressDeadlineSeconds: number;
  status: CanaryStatus;
  metrics: MetricSpecView[];
  webhooks: WebhookView[];
  traffic?: TrafficSplit;
  checks: AnalysisCheck[];
  events: CanaryEvent[];
  runs: RolloutRun[];
  generatedObjects: GeneratedObject[];
  yaml: string;
  links: Array<{ title: string; url: string }>;
  /**
   * Actions the calling user may take on this canary right now, already filtered by permission and phase.
   * Absent until the actions backend exists; the UI renders no buttons then.
   * Performed with `POST /canaries/:cluster/:namespace/:name/actions/:id` and body `{ gate?, comment? }`.
   */
  actions?: CanaryAction[];
}

/** One action button on a canary card. */
export interface CanaryAction {
  /** e.g. `approve`, `reject`, `promote`, `abort`, `pause`, `resume`, `retry`. */
  id: string;
  label: string;
  /** The gate (webhook name) an approve/reject applies to. */
  gate?: string;
  /** Question asked in the confirmation dialog; a generic one is used when absent. */
  confirm?: string;
  /** Aborting or rejecting: the dialog's confirm button is styled as dangerous. */
  destructive?: boolean;
}

/** Signals channel on which the backend announces that a canary changed; subscribers re-fetch it. */
export const DELIVERY_CANARY_SIGNAL_CHANNEL = 'delivery:canary';

/** Message on {@link DELIVERY_CANARY_SIGNAL_CHANNEL}: which canary changed, never its content. */
export interface CanarySignalMessage {
  cluster: string;
  namespace: string;
  name: string;
}

export interface FleetQuery {
  cluster?: string[];
  namespace?: string[];
  phase?: CanaryPhase[];
  needsAttention?: boolean;
  search?: string;
  sort?: 'name' | 'cluster' | 'namespace' | 'phase' | 'updated';
  order?: 'asc' | 'desc';
  offset?: number;
  limit?: number;
}

export interface FleetPage {
  items: CanarySummary[];
  total: number;
  offset: number;
  limit: number;
  phaseCounts: Record<string, number>;
  clusters: ClusterHealth[];
}

export interface EntityCanaries {
  items: CanarySummary[];
  clusters: ClusterHealth[];
  /** What was searched, so an empty result can say why. */
  searched: { clusters: string[]; selector: string; namespace?: string };
  /** True when no cluster serves Flagger's Canary CRD. */
  notInstalled: boolean;
}
