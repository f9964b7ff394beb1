import type {
  AnalysisCheck,
  Canary,
  CanaryMetric,
  CanaryPhase,
  CanaryStatus,
  CanaryWebhook,
  CheckErrorClass,
  ObjectMeta,
} from '@delivery/plugin-delivery-common';

/**
 * Shapes shared by the reconciler's pure core (decide/, readiness, bootstrap, hash) and its I/O shell (tick.ts).
 * Kubernetes objects are plain JSON as the watch cache holds them; only the fields the core reads are typed.
 */

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: PodSpec;
}

/** The pod spec fields config tracking and primary generation rewrite; everything else passes through. */
export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  nodeSelector?: Record<string, string>;
  affinity?: {
    podAntiAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: Array<{ labelSelector?: LabelSelector }>;
      preferredDuringSchedulingIgnoredDuringExecution?: Array<{
        podAffinityTerm: { labelSelector?: LabelSelector };
      }>;
    };
    [key: string]: unknown;
  };
  topologySpreadConstraints?: Array<{ labelSelector?: LabelSelector; [key: string]: unknown }>;
  [key: string]: unknown;
}

export interface LocalRef {
  name: string;
  optional?: boolean;
}

export interface Container {
  name: string;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: {
      configMapKeyRef?: LocalRef & { key: string };
      secretKeyRef?: LocalRef & { key: string };
      [key: string]: unknown;
    };
  }>;
  envFrom?: Array<{ configMapRef?: LocalRef; secretRef?: LocalRef; prefix?: string }>;
  [key: string]: unknown;
}

export interface Volume {
  name: string;
  configMap?: LocalRef & { [key: string]: unknown };
  secret?: { secretName: string; optional?: boolean; [key: string]: unknown };
  projected?: {
    sources?: Array<{
      configMap?: LocalRef & { [key: string]: unknown };
      secret?: LocalRef & { [key: string]: unknown };
      [key: string]: unknown;
    }>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface WorkloadCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

/** A Deployment or DaemonSet: the canary target or its `-primary` copy. */
export interface Workload {
  apiVersion: string;
  kind: 'Deployment' | 'DaemonSet';
  metadata: ObjectMeta;
  spec: {
    replicas?: number;
    selector?: LabelSelector;
    template: PodTemplate;
    progressDeadlineSeconds?: number;
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    strategy?: unknown;
    updateStrategy?: { type?: string; [key: string]: unknown };
    [key: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    conditions?: WorkloadCondition[];
    // DaemonSet
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

export interface ServiceObject {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: {
    type?: string;
    clusterIP?: string;
    selector?: Record<string, string>;
    ports?: ServicePort[];
    trafficDistribution?: string;
    [key: string]: unknown;
  };
}

export interface ConfigMapObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export interface SecretObject {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  /** Base64 values, exactly as the API server serves them. */
  data?: Record<string, string>;
}

/** An autoscaling/v2 HorizontalPodAutoscaler: the target's (`spec.autoscalerRef`) or its `-primary` copy. */
export interface HorizontalPodAutoscaler {
  apiVersion: string;
  kind: 'HorizontalPodAutoscaler';
  metadata: ObjectMeta;
  spec: {
    scaleTargetRef: { apiVersion?: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: unknown[];
    behavior?: unknown;
  };
  status?: unknown;
}

/** A KEDA `keda.sh/v1alpha1` ScaledObject: the target's (`spec.autoscalerRef`) or its `-primary` copy. */
export interface ScaledObject {
  apiVersion: string;
  kind: 'ScaledObject';
  metadata: ObjectMeta;
  spec: {
    scaleTargetRef: { apiVersion?: string; kind?: string; name: string; envSourceContainerName?: string };
    minReplicaCount?: number;
    maxReplicaCount?: number;
    triggers: Array<{ type: string; name?: string; metadata?: Record<string, string>; [key: string]: unknown }>;
    [key: string]: unknown;
  };
  status?: unknown;
}

/** The autoscaler kinds `spec.autoscalerRef` may name. */
export type ScalerObject = HorizontalPodAutoscaler | ScaledObject;

/** Traffic as the router reports it. Weights are read back every tick, never taken from status. */
export interface Routes {
  primary: number;
  canary: number;
  mirrored: boolean;
}

/** What the router for this canary can do, answered by the router factory for the canary's strategy. */
export interface RouterCapabilities {
  /** Can shadow traffic to the canary for this canary's strategy (Gateway API: blue/green only). */
  mirror: boolean;
  /** Can restrict canary traffic to header/cookie matches (A/B testing). */
  abMatch: boolean;
}

/** Everything observed for one canary at the start of one tick (from caches; no I/O inside the core). */
export interface Observation {
  canary: Canary;
  /** The target workload, undefined when it does not exist (then `targetError` may say why). */
  target?: Workload;
  targetError?: string;
  /** `<target>-primary`, undefined when absent. */
  primary?: Workload;
  services: { apex?: ServiceObject; primary?: ServiceObject; canary?: ServiceObject };
  /** ConfigMaps and Secrets of the canary namespace referenced by the target, by name (absent = not found). */
  configMaps: Record<string, ConfigMapObject>;
  secrets: Record<string, SecretObject>;
  /** The target's HorizontalPodAutoscaler or ScaledObject (`spec.autoscalerRef`), undefined when not set or not found. */
  autoscaler?: ScalerObject;
  /** `<autoscalerRef.name>-primary`, undefined when absent. */
  primaryAutoscaler?: ScalerObject;
  /** Mesh provider in effect: `spec.provider`, else the controller's default. */
  provider: string;
  routerCapabilities: RouterCapabilities;
  /**
   * True on the first tick after this process (or this canary's job) started. The core then treats
   * `status.lastTransitionTime` as the time of the last step so a restart never steps early.
   */
  resumed?: boolean;
  /** The portal's requests for this run (annotations read by the shell; see docs/actions.md). */
  intents?: PortalIntents;
}

/** One request from the portal: who asked, and the annotation that carries it (cleared once acted on). */
export interface PortalIntent {
  annotation: string;
  actor: string;
  comment?: string;
}

export interface PortalIntents {
  promoteNow?: PortalIntent;
  abort?: PortalIntent;
  /** Annotations of another run or unreadable: cleared without acting. */
  obsolete: string[];
}

export interface ReconcilerSettings {
  /** Lowest analysis interval honoured; Flagger uses 10 s. Tests lower it to drive fast runs. */
  minIntervalSeconds: number;
  /** Selector labels looked up in the target's matchLabels, in order (Flagger `-selector-labels`). */
  selectorLabels: string[];
  /** Label/annotation prefixes copied to the primary (Flagger `-include-label-prefix`; `*` = all). */
  includeLabelPrefix: string[];
  /** Flagger `-enable-config-tracking`. */
  configTracking: boolean;
  /** Fresh `flagger-id` for the primary pod template (a UUID in production). */
  newId: () => string;
  /** Added as the `Cluster` alert field when set (Flagger `-cluster-name`). */
  clusterName?: string;
}

export const DEFAULT_SETTINGS: Omit<ReconcilerSettings, 'newId'> = {
  minIntervalSeconds: 10,
  selectorLabels: ['app', 'name', 'app.kubernetes.io/name'],
  includeLabelPrefix: [],
  configTracking: true,
};

/** Outcome of one webhook call, as the webhook client observed it. The core applies the success rule. */
export interface HookCallResult {
  /** HTTP status when a response arrived. */
  status?: number;
  /** Response body (the caller may truncate it). */
  body?: string;
  /** Transport error when no response arrived (bad URL, connection refused, retries exhausted, timeout). */
  error?: string;
  timedOut?: boolean;
}

export type MetricSource = 'builtin' | 'query' | 'template';

/** One metric evaluation the core asks for; the analysis module renders and runs the query. */
export interface MetricCheckRequest {
  metric: CanaryMetric;
  source: MetricSource;
  /** The metric interval in effect (defaults applied). */
  interval: string;
}

export type MetricOutcome =
  | { value: number }
  | {
      error: {
        class: Exclude<CheckErrorClass, 'threshold' | 'webhook-error'>;
        detail: string;
        /** For template errors: which step failed. */
        stage?: 'lookup' | 'secret' | 'provider' | 'render';
        secretName?: string;
        providerType?: string;
      };
    };

/** The I/O a tick needs before it can decide; implemented by tick.ts and by plain fakes in tests. */
export interface TickEffects {
  /** Current routes; throws with the router's error text when they cannot be read. */
  getRoutes(): Promise<Routes>;
  callHook(hook: CanaryWebhook, phase: CanaryPhase): Promise<HookCallResult>;
  runMetric(request: MetricCheckRequest): Promise<MetricOutcome>;
  /** Resolves to an error text when a metric provider is unreachable; only asked while initializing. */
  checkMetricProviders?(): Promise<string | undefined>;
}

export type AlertSeverity = 'info' | 'warn' | 'error';

export type TickAction =
  | { type: 'recordEvent'; eventType: 'Normal' | 'Warning'; message: string }
  | {
      type: 'alert';
      severity: AlertSeverity;
      message: string;
      fields: Array<{ name: string; value: string }>;
    }
  /** Create or replace a Service (the core already merged it with the observed one). */
  | { type: 'applyService'; service: ServiceObject }
  | { type: 'applyConfig'; object: ConfigMapObject | SecretObject }
  | { type: 'createPrimary'; workload: Workload }
  /** Replace the primary with this object (the target's template copied in, fresh flagger-id). */
  | { type: 'promotePrimary'; workload: Workload }
  /**
   * Deployment: merge-patch `spec.replicas`. DaemonSet: 0 adds nodeSelector `flagger.app/scale-to-zero: "true"`,
   * anything else removes it.
   */
  | { type: 'scaleTarget'; replicas: number }
  /** Create/update the mesh or ingress objects, preserving current weights. */
  | { type: 'reconcileRouter' }
  | { type: 'setRoutes'; primary: number; canary: number; mirrored: boolean }
  /** Write the whole status (the core computed lastTransitionTime and conditions). */
  | { type: 'patchStatus'; status: CanaryStatus }
  /** Run the post-rollout hooks with this payload phase; see decide/hooks.ts runPostRolloutHooks. */
  | { type: 'runPostRolloutHooks'; phase: 'Succeeded' | 'Failed' }
  /** Merge-patch these Canary annotations to null (portal intents acted on or obsolete). */
  | { type: 'clearAnnotations'; keys: string[] }
  /** Create `<hpa>-primary` / `<so>-primary`, or give the existing one this spec and these labels (other metadata kept). */
  | { type: 'applyAutoscaler'; autoscaler: ScalerObject }
  /** KEDA: set (`paused`) or remove `autoscaling.keda.sh/paused-replicas: "0"` on the target ScaledObject. */
  | { type: 'setScalerPaused'; paused: boolean }
  /** Add (`present`) or remove `finalizer.flagger.app` on the Canary, leaving other finalizers alone. */
  | { type: 'setFinalizer'; present: boolean }
  /**
   * revertOnDeletion: a taken-over Service selects the target's pods again (kubectl's last-applied selector from the
   * live object, else `selector`); see decide/termination.ts revertedService.
   */
  | { type: 'revertService'; name: string; selector?: Record<string, string> }
  /** The router undoes what it did to objects the Canary does not own (revertOnDeletion). */
  | { type: 'finalizeRouter' };

/** A phase change, for the history (runs start, restart, end). */
export interface PhaseTransition {
  from: CanaryPhase;
  to: CanaryPhase;
  reason: string;
  /** The real failed-check count at that moment (status resets it to 0 on Failed). */
  failedChecks: number;
}

export type TickOutcome =
  | 'suspended'
  | 'deleting'
  | 'terminating'
  | 'invalid'
  | 'deferred'
  | 'halted'
  | 'idle'
  | 'advanced';

export interface TickPlan {
  /** Writes, in the order they must happen. */
  actions: TickAction[];
  /** Every metric and webhook result of this tick, for the history. */
  checks: AnalysisCheck[];
  transitions: PhaseTransition[];
  /** Phase after the actions are applied. */
  phase: CanaryPhase;
  outcome: TickOutcome;
  /** Analysis interval in effect (floor applied), in milliseconds. */
  intervalMs: number;
  /** When set, the next tick must not run before this time (ISO). */
  notBefore?: string;
  /** Portal requests this tick carried out, for the history (who promoted or aborted the run). */
  actors?: Array<{ actor: string; action: 'promote-now' | 'abort'; comment?: string }>;
}
