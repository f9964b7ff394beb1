import { Canary, StringMatch, TrafficBackend, TrafficSplit, effectiveAnalysis } from '@delivery/plugin-delivery-common';
import { KINDS, KubeObject, ObjectReader } from '../kube/types';

type Backend = { service?: string; name?: string; weight?: number | string };

const NGINX_PREFIX = 'nginx.ingress.kubernetes.io';

function serviceName(canary: Canary): string {
  return canary.spec.service?.name || canary.spec.targetRef.name;
}

function role(name: string, svc: string): 'primary' | 'canary' {
  return name === `${svc}-canary` ? 'canary' : 'primary';
}

function providerOf(canary: Canary, defaultProvider: string): string {
  return canary.spec.provider || defaultProvider;
}

function describeStringMatch(v: StringMatch): string {
  if (v.exact !== undefined) return `= ${v.exact}`;
  if (v.regex !== undefined) return `~ ${v.regex}`;
  return `^ ${v.prefix ?? ''}`;
}

/** Weights as the router object says, falling back to the canary status when there is no router object. */
export function configuredSplit(canary: Canary, reader: ObjectReader, defaultProvider = 'kubernetes'): TrafficSplit {
  const ns = canary.metadata.namespace ?? '';
  const svc = serviceName(canary);
  const provider = providerOf(canary, defaultProvider);
  const analysis = effectiveAnalysis(canary.spec) ?? {};
  const matches = (analysis.match ?? []).map(m =>
    Object.entries(m.headers ?? {})
      .map(([h, v]) => `${h} ${describeStringMatch(v)}`)
      .join(' and '),
  );
  const fromStatus = (routerKind: string, routerName?: string): TrafficSplit => {
    const w = canary.status?.canaryWeight ?? 0;
    return {
      routerKind,
      routerName,
      mirrored: Boolean(analysis.mirror),
      matches,
      backends: [
        { name: `${svc}-primary`, role: 'primary', configuredWeight: 100 - w },
        { name: `${svc}-canary`, role: 'canary', configuredWeight: w },
      ],
    };
  };

  if (provider === 'linkerd' || provider.startsWith('smi')) {
    const ts = reader.get<KubeObject & { spec?: { backends?: Backend[] } }>(KINDS.trafficSplit, ns, svc);
    if (!ts) return fromStatus('TrafficSplit');
    return {
      routerKind: 'TrafficSplit',
      routerName: svc,
      mirrored: false,
      matches,
      backends: (ts.spec?.backends ?? []).map(b => ({
        name: b.service ?? '',
        role: role(b.service ?? '', svc),
        configuredWeight: Number(b.weight ?? 0),
      })),
    };
  }
  if (provider.startsWith('gatewayapi')) {
    type Route = KubeObject & { spec?: { rules?: Array<{ backendRefs?: Backend[]; filters?: Array<{ type?: string }> }> } };
    const route =
      reader.get<Route>(KINDS.httpRouteV1, ns, svc) ?? reader.get<Route>(KINDS.httpRouteV1beta1, ns, svc);
    if (!route) return fromStatus('HTTPRoute');
    const rule = route.spec?.rules?.find(r => (r.backendRefs?.length ?? 0) >= 2) ?? route.spec?.rules?.[0];
    return {
      routerKind: 'HTTPRoute',
      routerName: svc,
      mirrored: Boolean(rule?.filters?.some(f => f.type === 'RequestMirror')),
      matches,
      backends: (rule?.backendRefs ?? []).map(b => ({
        name: b.name ?? '',
        role: role(b.name ?? '', svc),
        configuredWeight: Number(b.weight ?? 1),
      })),
    };
  }
  if (provider === 'nginx' && canary.spec.ingressRef?.name) {
    const name = `${canary.spec.ingressRef.name}-canary`;
    const ing = reader.get(KINDS.ingress, ns, name);
    if (!ing) return fromStatus('Ingress', name);
    const a = ing.metadata.annotations ?? {};
    const byHeader = a[`${NGINX_PREFIX}/canary-by-header`];
    const byCookie = a[`${NGINX_PREFIX}/canary-by-cookie`];
    const w = byHeader || byCookie ? 0 : Number(a[`${NGINX_PREFIX}/canary-weight`] ?? 0);
    const abMatches = [
      ...(byHeader ? [`header ${byHeader} = ${a[`${NGINX_PREFIX}/canary-by-header-value`] ?? a[`${NGINX_PREFIX}/canary-by-header-pattern`] ?? 'always'}`] : []),
      ...(byCookie ? [`cookie ${byCookie} = always`] : []),
    ];
    return {
      routerKind: 'Ingress',
      routerName: name,
      mirrored: false,
      matches: abMatches.length ? abMatches : matches,
      backends: [
        { name: `${svc}-primary`, role: 'primary', configuredWeight: 100 - w },
        { name: `${svc}-canary`, role: 'canary', configuredWeight: w },
      ],
    };
  }
  return fromStatus(provider === 'kubernetes' ? 'Service' : provider);
}

/** Prometheus instant query returning one value per series label. */
export type PromQuery = (
  url: string,
  query: string,
  signal: AbortSignal,
) => Promise<Array<{ metric: Record<string, string>; value: number }>>;

export const fetchPromQuery: PromQuery = async (url, query, signal) => {
  const res = await fetch(`${url.replace(/\/$/, '')}/api/v1/query?${new URLSearchParams({ query })}`, { signal });
  if (!res.ok) throw new Error(`Prometheus ${url} answered HTTP ${res.status}`);
  const body = (await res.json()) as {
    data?: { result?: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  return (body.data?.result ?? []).map(r => ({ metric: r.metric, value: Number(r.value[1]) }));
};

interface ObservedQueries {
  /** Label whose value tells primary from canary. */
  by: string;
  roleOf: (labelValue: string) => 'primary' | 'canary' | undefined;
  rate: string;
  success: string;
  p99: string;
}

/** Per-provider PromQL giving rate, success rate and p99 latency per backend over the last minute. */
export function observedQueries(canary: Canary, defaultProvider = 'kubernetes'): ObservedQueries | undefined {
  const ns = canary.metadata.namespace ?? '';
  const t = canary.spec.targetRef.name;
  const provider = providerOf(canary, defaultProvider);
  const byDeployment = (v: string): 'primary' | 'canary' | undefined => {
    if (v === `${t}-primary`) return 'primary';
    return v === t ? 'canary' : undefined;
  };
  if (provider === 'linkerd' || provider.startsWith('smi')) {
    const sel = `namespace="${ns}",deployment=~"${t}|${t}-primary",direction="inbound"`;
    return {
      by: 'deployment',
      roleOf: byDeployment,
      rate: `sum by (deployment) (rate(response_total{${sel}}[1m]))`,
      success: `sum by (deployment) (rate(response_total{${sel},classification!="failure"}[1m])) / sum by (deployment) (rate(response_total{${sel}}[1m])) * 100`,
      p99: `histogram_quantile(0.99, sum by (le, deployment) (rate(response_latency_ms_bucket{${sel}}[1m])))`,
    };
  }
  if (provider === 'nginx' && canary.spec.ingressRef?.name) {
    const ing = canary.spec.ingressRef.name;
    const sel = `namespace="${ns}",ingress=~"${ing}|${ing}-canary"`;
    return {
      by: 'canary',
      // The controller labels requests served by the canary upstream with a non-empty `canary`.
      roleOf: v => (v ? 'canary' : 'primary'),
      rate: `sum by (canary) (rate(nginx_ingress_controller_requests{${sel}}[1m]))`,
      success: `sum by (canary) (rate(nginx_ingress_controller_requests{${sel},status!~"5.*"}[1m])) / sum by (canary) (rate(nginx_ingress_controller_requests{${sel}}[1m])) * 100`,
      p99: `histogram_quantile(0.99, sum by (le, canary) (rate(nginx_ingress_controller_request_duration_seconds_bucket{${sel}}[1m]))) * 1000`,
    };
  }
  if (provider.startsWith('gatewayapi') || provider === 'kubernetes') {
    // Flagger's generic HTTP observer: the app's own histogram, told apart by pod name prefix.
    const sel = `kubernetes_namespace="${ns}",kubernetes_pod_name=~"${t}-.*"`;
    const label = `label_replace(%s, "workload", "$1", "kubernetes_pod_name", "(${t}-primary|${t})-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)")`;
    const wrap = (q: string) => label.replace('%s', q);
    return {
      by: 'workload',
      roleOf: byDeployment,
      rate: `sum by (workload) (${wrap(`rate(http_request_duration_seconds_count{${sel}}[1m])`)})`,
      success: `sum by (workload) (${wrap(`rate(http_request_duration_seconds_count{${sel},status!~"5.*"}[1m])`)}) / sum by (workload) (${wrap(`rate(http_request_duration_seconds_count{${sel}}[1m])`)}) * 100`,
      p99: `histogram_quantile(0.99, sum by (le, workload) (${wrap(`rate(http_request_duration_seconds_bucket{${sel}}[1m])`)})) * 1000`,
    };
  }
  return undefined;
}

export interface TrafficObserverOptions {
  query?: PromQuery;
  /** Default Prometheus (`delivery.reconciler.metricsServer`); a canary's `spec.metricsServer` wins. */
  metricsServer: string;
  defaultProvider?: string;
  timeoutMs?: number;
  cacheMs?: number;
  now?: () => number;
}

/**
 * Adds observed traffic to the configured split, so a user can see whether 10 % weight really gets 10 % of requests.
 * Results are cached briefly per canary; a failing Prometheus yields `observedError`, never a failed request.
 */
export class TrafficObserver {
  private readonly cache = new Map<string, { at: number; value: Promise<TrafficSplit> }>();
  private readonly o: Required<TrafficObserverOptions>;

  constructor(options: TrafficObserverOptions) {
    this.o = {
      query: fetchPromQuery,
      defaultProvider: 'kubernetes',
      timeoutMs: 3000,
      cacheMs: 10_000,
      now: Date.now,
      ...options,
    };
  }

  observe(key: string, canary: Canary, configured: TrafficSplit): Promise<TrafficSplit> {
    const now = this.o.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.o.cacheMs) return hit.value.then(obs => merge(configured, obs));
    const value = this.measure(canary, configured);
    this.cache.set(key, { at: now, value });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return value.then(obs => merge(configured, obs));
  }

  private async measure(canary: Canary, configured: TrafficSplit): Promise<TrafficSplit> {
    const queries = observedQueries(canary, this.o.defaultProvider);
    if (!queries) return { ...configured, observedError: `no traffic metrics known for provider ${canary.spec.provider}` };
    const url = canary.spec.metricsServer || this.o.metricsServer;
    const signal = AbortSignal.timeout(this.o.timeoutMs);
    try {
      const [rate, success, p99] = await Promise.all(
        [queries.rate, queries.success, queries.p99].map(q => this.o.query(url, q, signal)),
      );
      const pick = (rows: typeof rate, r: 'primary' | 'canary') => {
        const row = rows.find(x => queries.roleOf(x.metric[queries.by] ?? '') === r);
        return row && Number.isFinite(row.value) ? row.value : undefined;
      };
      return {
        ...configured,
        observedAt: new Date(this.o.now()).toISOString(),
        backends: configured.backends.map(b => ({
          ...b,
          requestRate: pick(rate, b.role),
          successRate: pick(success, b.role),
          latencyP99Ms: pick(p99, b.role),
        })),
      };
    } catch (e) {
      return { ...configured, observedError: `Prometheus at ${url}: ${(e as Error).message}` };
    }
  }
}

/** Observed numbers from the (possibly cached) measurement on top of the current configured weights. */
function merge(configured: TrafficSplit, observed: TrafficSplit): TrafficSplit {
  const byRole = new Map<string, TrafficBackend>(observed.backends.map(b => [b.role, b]));
  return {
    ...configured,
    observedAt: observed.observedAt,
    observedError: observed.observedError,
    backends: configured.backends.map(b => {
      const o = byRole.get(b.role);
      return { ...b, requestRate: o?.requestRate, successRate: o?.successRate, latencyP99Ms: o?.latencyP99Ms };
    }),
  };
}
