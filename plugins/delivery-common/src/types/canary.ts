/**
 * Typed shape of Flagger's `flagger.app/v1beta1` resources, as far as the Delivery plugins read or write them.
 * Field names follow the CRD exactly so existing Canary YAML round-trips unchanged.
 */

export const FLAGGER_GROUP = 'flagger.app';
export const FLAGGER_VERSION = 'v1beta1';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }>;
}

export interface CrossNamespaceObjectReference {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface GatewayParentRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  sectionName?: string;
  port?: number;
}

export interface StringMatch {
  exact?: string;
  prefix?: string;
  suffix?: string;
  regex?: string;
}

export interface HttpMatchRequest {
  name?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers?: Record<string, StringMatch>;
  queryParams?: Record<string, StringMatch>;
  port?: number;
  sourceLabels?: Record<string, string>;
  gateways?: string[];
  ignoreUriCase?: boolean;
}

export interface CanaryServiceSpec {
  name?: string;
  port: number;
  portName?: string;
  targetPort?: number | string;
  appProtocol?: string;
  portDiscovery?: boolean;
  headless?: boolean;
  timeout?: string;
  backendTimeout?: string;
  gateways?: string[];
  gatewayRefs?: GatewayParentRef[];
  hosts?: string[];
  match?: HttpMatchRequest[];
  mirror?: unknown[];
  headers?: unknown;
  apex?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  primary?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  canary?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  trafficPolicy?: unknown;
  [key: string]: unknown;
}

export interface CanaryThresholdRange {
  min?: number;
  max?: number;
}

export interface CanaryMetric {
  name: string;
  interval?: string;
  threshold?: number;
  thresholdRange?: CanaryThresholdRange;
  query?: string;
  templateRef?: { name: string; namespace?: string };
  templateVariables?: Record<string, string>;
}

export type WebhookType =
  | 'confirm-rollout'
  | 'pre-rollout'
  | 'rollout'
  | 'confirm-traffic-increase'
  | 'confirm-promotion'
  | 'post-rollout'
  | 'rollback'
  | 'event';

export const GATE_WEBHOOK_TYPES: WebhookType[] = [
  'confirm-rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'rollback',
];

export interface CanaryWebhook {
  name: string;
  type?: WebhookType | '';
  url: string;
  muteAlert?: boolean;
  timeout?: string;
  retries?: number;
  disableTLS?: boolean;
  metadata?: Record<string, string>;
}

export interface CanaryAlert {
  name: string;
  severity?: 'info' | 'warn' | 'error' | '';
  providerRef: { name: string; namespace?: string };
}

export interface CanaryAnalysis {
  interval?: string;
  threshold?: number;
  maxWeight?: number;
  stepWeight?: number;
  stepWeights?: number[];
  stepWeightPromotion?: number;
  iterations?: number;
  primaryReadyThreshold?: number;
  canaryReadyThreshold?: number;
  mirror?: boolean;
  mirrorWeight?: number;
  match?: HttpMatchRequest[];
  metrics?: CanaryMetric[];
  webhooks?: CanaryWebhook[];
  alerts?: CanaryAlert[];
  sessionAffinity?: { cookieName: string; primaryCookieName?: string; maxAge?: number };
}

export interface CanarySpec {
  provider?: string;
  metricsServer?: string;
  targetRef: CrossNamespaceObjectReference;
  autoscalerRef?: CrossNamespaceObjectReference & {
    primaryScalerQueries?: Record<string, string>;
    primaryScalerReplicas?: { minReplicas?: number; maxReplicas?: number };
  };
  ingressRef?: CrossNamespaceObjectReference;
  routeRef?: CrossNamespaceObjectReference;
  upstreamRef?: CrossNamespaceObjectReference;
  service: CanaryServiceSpec;
  analysis?: CanaryAnalysis;
  /** Deprecated alias, read only when `analysis` is absent. */
  canaryAnalysis?: CanaryAnalysis;
  progressDeadlineSeconds?: number;
  skipAnalysis?: boolean;
  suspend?: boolean;
  revertOnDeletion?: boolean;
}

export type CanaryPhase =
  | ''
  | 'Initializing'
  | 'Initialized'
  | 'Waiting'
  | 'Progressing'
  | 'WaitingPromotion'
  | 'Promoting'
  | 'Finalising'
  | 'Succeeded'
  | 'Failed'
  | 'Terminating'
  | 'Terminated';

export const CANARY_PHASES: CanaryPhase[] = [
  'Initializing',
  'Initialized',
  'Waiting',
  'Progressing',
  'WaitingPromotion',
  'Promoting',
  'Finalising',
  'Succeeded',
  'Failed',
  'Terminating',
  'Terminated',
];

export interface CanaryCondition {
  type: 'Promoted' | string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface CanaryStatus {
  phase?: CanaryPhase;
  failedChecks?: number;
  canaryWeight?: number;
  iterations?: number;
  trackedConfigs?: Record<string, string>;
  lastAppliedSpec?: string;
  lastPromotedSpec?: string;
  lastTransitionTime?: string;
  conditions?: CanaryCondition[];
  sessionAffinityCookie?: string;
  primarySessionAffinityCookie?: string;
  previousSessionAffinityCookie?: string;
}

export interface Canary {
  apiVersion: 'flagger.app/v1beta1';
  kind: 'Canary';
  metadata: ObjectMeta;
  spec: CanarySpec;
  status?: CanaryStatus;
}

export interface MetricTemplate {
  apiVersion: 'flagger.app/v1beta1';
  kind: 'MetricTemplate';
  metadata: ObjectMeta;
  spec: {
    provider: {
      type: string;
      address?: string;
      headers?: Record<string, string[]>;
      secretRef?: { name: string };
      region?: string;
      insecureSkipVerify?: boolean;
    };
    query: string;
  };
}

export interface AlertProvider {
  apiVersion: 'flagger.app/v1beta1';
  kind: 'AlertProvider';
  metadata: ObjectMeta;
  spec: {
    type: 'slack' | 'msteams' | 'discord' | 'rocket' | 'gchat' | string;
    channel?: string;
    username?: string;
    address?: string;
    proxy?: string;
    secretRef?: { name: string };
  };
}

/** The analysis block in effect: `analysis`, else the deprecated `canaryAnalysis`. */
export function effectiveAnalysis(spec: CanarySpec): CanaryAnalysis | undefined {
  return spec.analysis ?? spec.canaryAnalysis;
}
