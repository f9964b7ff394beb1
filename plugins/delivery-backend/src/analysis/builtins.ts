import type { Canary } from '@delivery/plugin-delivery-common';

/**
 * Flagger's built-in metrics, `request-success-rate` (percent) and `request-duration` (milliseconds), as PromQL per
 * observer. The texts are Flagger's; whitespace does not matter because the client collapses it before sending.
 */

export const BUILTIN_METRICS = [
  'request-success-rate',
  'request-duration',
] as const;
export type BuiltinMetricName = (typeof BUILTIN_METRICS)[number];

export function isBuiltinMetric(name: string): name is BuiltinMetricName {
  return (BUILTIN_METRICS as readonly string[]).includes(name);
}

/** Which family of queries answers the built-ins. `http` is the app's own histogram (kubernetes, gatewayapi). */
export type Observer = 'linkerd' | 'nginx' | 'istio' | 'http';

const LINKERD = {
  'request-success-rate': `
sum(rate(response_total{namespace="{{ namespace }}",deployment=~"{{ target }}",classification!="failure",direction="inbound"}[{{ interval }}]))
/
sum(rate(response_total{namespace="{{ namespace }}",deployment=~"{{ target }}",direction="inbound"}[{{ interval }}]))
* 100`,
  'request-duration': `histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{namespace="{{ namespace }}",deployment=~"{{ target }}",direction="inbound"}[{{ interval }}])) by (le))`,
};

const NGINX = {
  'request-success-rate': `
sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",ingress="{{ ingress }}",canary!="",status!~"5.*"}[{{ interval }}]))
/
sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",ingress="{{ ingress }}",canary!=""}[{{ interval }}]))
* 100`,
  'request-duration': `
sum(rate(nginx_ingress_controller_response_duration_seconds_sum{namespace="{{ namespace }}",ingress="{{ ingress }}",canary!=""}[{{ interval }}]))
/
sum(rate(nginx_ingress_controller_response_duration_seconds_count{namespace="{{ namespace }}",ingress="{{ ingress }}",canary!=""}[{{ interval }}]))
* 1000`,
};

const ISTIO = {
  'request-success-rate': `
sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload=~"{{ target }}",response_code!~"5.*"}[{{ interval }}]))
/
sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload=~"{{ target }}"}[{{ interval }}]))
* 100`,
  'request-duration': `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload=~"{{ target }}"}[{{ interval }}])) by (le))`,
};

const HTTP = {
  'request-success-rate': `
sum(rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}",kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",status!~"5.*"}[{{ interval }}]))
/
sum(rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}",kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}]))
* 100`,
  'request-duration': `histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{kubernetes_namespace="{{ namespace }}",kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) by (le))`,
};

const QUERIES: Record<Observer, Record<BuiltinMetricName, string>> = {
  linkerd: LINKERD,
  nginx: NGINX,
  istio: ISTIO,
  http: HTTP,
};

/** The PromQL template (still to be rendered) for a built-in metric. */
export function builtinQuery(
  observer: Observer,
  metric: BuiltinMetricName,
): string {
  return QUERIES[observer][metric];
}

export interface ObserverChoice {
  observer: Observer;
  /** Flagger's "metrics provider" name, quoted in the no-values event (`linkerd`, `nginx:service`, …). */
  providerName: string;
  /** True when the name has no observer of its own and Istio's queries are used, as Flagger does. */
  fellBackToIstio: boolean;
}

/**
 * Flagger's selection: the global mesh provider, replaced by `spec.provider` when set — except that a global Linkerd
 * always wins over a per-canary provider; `:service` is appended for Service targets (non-Knative), which then
 * matches no observer.
 */
export function chooseObserver(
  canary: Canary,
  meshProvider: string,
): ObserverChoice {
  let name = meshProvider.includes('crossover') ? 'crossover' : meshProvider;
  if (canary.spec.provider) {
    name = meshProvider.includes('linkerd') ? 'linkerd' : canary.spec.provider;
  }
  const target = canary.spec.targetRef;
  if (
    target.kind === 'Service' &&
    !(target.apiVersion ?? '').startsWith('serving.knative.dev')
  ) {
    name = `${name}:service`;
  }
  let observer: Observer | undefined;
  if (name === 'linkerd') observer = 'linkerd';
  else if (name === 'nginx') observer = 'nginx';
  else if (name === 'istio') observer = 'istio';
  else if (name === 'kubernetes' || name.startsWith('gatewayapi'))
    observer = 'http';
  return {
    observer: observer ?? 'istio',
    providerName: name,
    fellBackToIstio: observer === undefined,
  };
}

/**
 * The request-duration query result in whole milliseconds. The HTTP observer measures seconds; the others
 * milliseconds. Go truncates toward zero when converting to a Duration.
 */
export function durationMs(observer: Observer, value: number): number {
  return Math.trunc(observer === 'http' ? value * 1000 : value);
}
