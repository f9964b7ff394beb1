import type { ObjectMeta } from '@delivery/plugin-delivery-common';

/**
 * The contract between the modules that read or write clusters (reconciler, routers, fleet, actions) and the
 * kube layer that implements it. Reads come from watch-backed caches; writes go to the API server, idempotent
 * and retried on conflict. No other module builds its own Kubernetes client.
 */

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Where a kind is served: enough to build REST paths and watch it. */
export interface ResourceKind {
  group: string; // '' for core
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** Well-known kinds, so modules share one definition. */
export const KINDS = {
  canary: { group: 'flagger.app', version: 'v1beta1', plural: 'canaries', kind: 'Canary', namespaced: true },
  metricTemplate: {
    group: 'flagger.app',
    version: 'v1beta1',
    plural: 'metrictemplates',
    kind: 'MetricTemplate',
    namespaced: true,
  },
  alertProvider: {
    group: 'flagger.app',
    version: 'v1beta1',
    plural: 'alertproviders',
    kind: 'AlertProvider',
    namespaced: true,
  },
  deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  daemonSet: { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  service: { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  configMap: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  secret: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  event: { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  lease: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  trafficSplit: {
    group: 'split.smi-spec.io',
    version: 'v1alpha1',
    plural: 'trafficsplits',
    kind: 'TrafficSplit',
    namespaced: true,
  },
  httpRouteV1: {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    plural: 'httproutes',
    kind: 'HTTPRoute',
    namespaced: true,
  },
  httpRouteV1beta1: {
    group: 'gateway.networking.k8s.io',
    version: 'v1beta1',
    plural: 'httproutes',
    kind: 'HTTPRoute',
    namespaced: true,
  },
  ingress: { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress', namespaced: true },
  horizontalPodAutoscaler: {
    group: 'autoscaling',
    version: 'v2',
    plural: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    namespaced: true,
  },
  scaledObject: { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects', kind: 'ScaledObject', namespaced: true },
} satisfies Record<string, ResourceKind>;

/** Read side: answers from memory, never from the API server. */
export interface ObjectReader {
  get<T extends KubeObject = KubeObject>(kind: ResourceKind, namespace: string, name: string): T | undefined;
  list<T extends KubeObject = KubeObject>(kind: ResourceKind, namespace?: string): T[];
}

/** Raised when a write lost a race (HTTP 409) after its retries, or a precondition no longer holds. */
export class KubeConflictError extends Error {
  readonly name = 'KubeConflictError';
}

/** Raised for HTTP errors from the API server, with the status kept for callers that branch on it. */
export class KubeApiError extends Error {
  readonly name = 'KubeApiError';
  constructor(message: string, readonly status: number, readonly reason?: string) {
    super(message);
  }
}

/**
 * Write side. Every method is idempotent ("make it so"), retried on conflict by re-reading the object, and takes an
 * AbortSignal so a tick can never overrun its deadline because of a slow API server.
 */
export interface ObjectWriter {
  /** Create the object, or do nothing if it exists. Returns the live object. */
  create<T extends KubeObject>(kind: ResourceKind, obj: T, opts?: { signal?: AbortSignal }): Promise<T>;
  /**
   * Read-modify-write with conflict retry: `mutate` receives the live object (or undefined if absent) and returns
   * the desired object, or undefined for "no change". Creates the object when absent and mutate returns one.
   */
  update<T extends KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
    mutate: (current: T | undefined) => T | undefined,
    opts?: { signal?: AbortSignal },
  ): Promise<T | undefined>;
  /** JSON merge patch (RFC 7386). */
  mergePatch<T extends KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
    patch: unknown,
    opts?: { signal?: AbortSignal },
  ): Promise<T>;
  /**
   * Read-modify-write of `.status` through the status subresource, with conflict retry. With `cached` (a copy from
   * a watch cache) the first attempt writes against it instead of GETting; a conflict falls back to GET.
   */
  updateStatus<T extends KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
    mutate: (current: T) => T['status'] | undefined,
    opts?: { signal?: AbortSignal; cached?: T },
  ): Promise<T | undefined>;
  delete(kind: ResourceKind, namespace: string, name: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Records a core/v1 Event on `involved` (Flagger's reason `Synced`, component `flagger` by default). */
  recordEvent(
    involved: KubeObject,
    event: { type: 'Normal' | 'Warning'; reason?: string; message: string; component?: string },
    opts?: { signal?: AbortSignal },
  ): Promise<void>;
}

/** One cluster as the rest of the plugin sees it. */
export interface ClusterClient {
  readonly name: string;
  readonly reader: ObjectReader;
  readonly writer: ObjectWriter;
}
