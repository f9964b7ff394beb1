import {
  Canary,
  CanaryDetails,
  CanaryRef,
  CanarySummary,
  GeneratedObject,
  MetricSpecView,
  PlannedStep,
  RolloutRun,
  WebhookView,
  canaryKey,
  effectiveAnalysis,
  plannedSteps,
} from '@delivery/plugin-delivery-common';
import { stringify } from 'yaml';
import { KINDS, KubeObject, ObjectReader } from '../kube/types';
import { HistoryStore } from '../history/store';
import { configuredSplit, TrafficObserver } from './trafficSplit';
import { KubeEvent, eventTime, toCanaryEvent } from './summary';

/** Index into the plan of where the canary is now; -1 when no run is active. */
export function currentStepIndex(steps: PlannedStep[], summary: CanarySummary): number {
  const find = (pred: (s: PlannedStep) => boolean) => steps.findIndex(pred);
  switch (summary.phase) {
    case 'Waiting':
      return find(s => s.kind === 'gate');
    case 'WaitingPromotion':
      return find(s => s.kind === 'promotion-gate');
    case 'Promoting':
      return find(s => s.kind === 'promote');
    case 'Finalising':
      return find(s => s.kind === 'finalise');
    case 'Progressing': {
      let idx = -1;
      steps.forEach((s, i) => {
        if (s.kind === 'weight' && s.weight !== undefined && s.weight <= summary.canaryWeight) idx = i;
        if (s.kind === 'iteration' && s.iteration !== undefined && s.iteration <= summary.iterations) idx = i;
      });
      return idx >= 0 ? idx : Math.max(0, find(s => s.kind === 'weight' || s.kind === 'iteration'));
    }
    default:
      return -1;
  }
}

function metricSource(m: { templateRef?: unknown; query?: string }): MetricSpecView['source'] {
  if (m.templateRef) return 'template';
  return m.query ? 'query' : 'builtin';
}

export function metricViews(canary: Canary): MetricSpecView[] {
  return (effectiveAnalysis(canary.spec)?.metrics ?? []).map(m => {
    const range = m.thresholdRange;
    // Deprecated `threshold`: a maximum for request-duration, a minimum for everything else (Flagger's reading).
    const legacyMax = !range && m.threshold !== undefined && m.name === 'request-duration';
    return {
      name: m.name,
      interval: m.interval ?? '1m',
      thresholdMin: range?.min ?? (!range && !legacyMax ? m.threshold : undefined),
      thresholdMax: range?.max ?? (legacyMax ? m.threshold : undefined),
      source: metricSource(m),
    };
  });
}

export function webhookViews(canary: Canary): WebhookView[] {
  return (effectiveAnalysis(canary.spec)?.webhooks ?? []).map(h => {
    let host = '';
    try {
      host = new URL(h.url).host;
    } catch {
      host = h.url;
    }
    return { name: h.name, type: h.type || 'rollout', host };
  });
}

type Workload = KubeObject & {
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; updatedReplicas?: number; numberReady?: number; desiredNumberScheduled?: number };
};

type ServiceObject = KubeObject & { spec?: { selector?: Record<string, string>; clusterIP?: string } };

/** Which pods a generated Service sends traffic to, and its address: "selects primary · ClusterIP 10.0.0.7". */
export function serviceStatus(service: ServiceObject): string {
  const values = Object.values(service.spec?.selector ?? {});
  let selects = 'no selector';
  if (values.length) selects = values.some(v => v.endsWith('-primary')) ? 'selects primary' : 'selects canary';
  const ip = service.spec?.clusterIP;
  let address = 'ClusterIP pending';
  if (ip === 'None') address = 'headless';
  else if (ip) address = `ClusterIP ${ip}`;
  return `${selects} · ${address}`;
}

/** Objects the controller generated for this canary, as far as the cache knows them. */
export function generatedObjects(canary: Canary, reader: ObjectReader): GeneratedObject[] {
  const ns = canary.metadata.namespace ?? '';
  const t = canary.spec.targetRef.name;
  const svc = canary.spec.service?.name || t;
  const out: GeneratedObject[] = [];
  const isDs = canary.spec.targetRef.kind === 'DaemonSet';
  const primary = reader.get<Workload>(isDs ? KINDS.daemonSet : KINDS.deployment, ns, `${t}-primary`);
  if (primary) {
    const want = isDs ? primary.status?.desiredNumberScheduled ?? 0 : primary.spec?.replicas ?? 1;
    const ready = isDs ? primary.status?.numberReady ?? 0 : primary.status?.readyReplicas ?? 0;
    out.push({
      kind: isDs ? 'DaemonSet' : 'Deployment',
      name: `${t}-primary`,
      namespace: ns,
      status: `${ready}/${want} ready`,
      ready: ready >= want,
    });
  }
  // Flagger's three Services: the apex and `-primary` select the primary pods, `-canary` the target's.
  for (const name of [svc, `${svc}-canary`, `${svc}-primary`]) {
    const service = reader.get<ServiceObject>(KINDS.service, ns, name);
    if (service) out.push({ kind: 'Service', name, namespace: ns, status: serviceStatus(service) });
  }
  const routers: Array<[typeof KINDS[keyof typeof KINDS], string]> = [
    [KINDS.trafficSplit, svc],
    [KINDS.httpRouteV1, svc],
    [KINDS.httpRouteV1beta1, svc],
  ];
  if (canary.spec.ingressRef?.name) routers.push([KINDS.ingress, `${canary.spec.ingressRef.name}-canary`]);
  const seen = new Set<string>();
  for (const [kind, name] of routers) {
    const obj = reader.get(kind, ns, name);
    if (!obj || seen.has(`${kind.kind}/${name}`)) continue;
    seen.add(`${kind.kind}/${name}`);
    out.push({ kind: kind.kind, name, namespace: ns, status: 'present' });
  }
  return out;
}

export interface GrafanaConfig {
  baseUrl?: string;
  dashboards: Record<string, string>;
}

/**
 * Grafana link for a canary: an entity's dashboard annotation (full URL) wins, else base URL + the dashboard of the
 * provider (or `default`). Variables follow Flagger's dashboards; the time range covers the latest run.
 */
export function grafanaLink(
  grafana: GrafanaConfig,
  canary: Canary,
  run: RolloutRun | undefined,
  entityDashboard?: string,
): string | undefined {
  const provider = (canary.spec.provider ?? '').split(':')[0];
  const path = grafana.dashboards[provider] ?? grafana.dashboards.default;
  const base = entityDashboard ?? (grafana.baseUrl && path ? `${grafana.baseUrl.replace(/\/$/, '')}${path}` : undefined);
  if (!base) return undefined;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return undefined;
  }
  const t = canary.spec.targetRef.name;
  url.searchParams.set('var-namespace', canary.metadata.namespace ?? '');
  url.searchParams.set('var-primary', `${t}-primary`);
  url.searchParams.set('var-canary', t);
  if (run) {
    url.searchParams.set('from', String(Date.parse(run.startedAt)));
    url.searchParams.set('to', run.endedAt ? String(Date.parse(run.endedAt)) : 'now');
  }
  return url.toString();
}

export interface CanaryDetailsServiceOptions {
  fleet: {
    summary(ref: CanaryRef): CanarySummary | undefined;
    canary(ref: CanaryRef): Canary | undefined;
    events(ref: CanaryRef): KubeEvent[];
    reader(cluster: string): ObjectReader | undefined;
  };
  history?: HistoryStore;
  traffic?: TrafficObserver;
  grafana: GrafanaConfig;
  defaultProvider?: string;
  dashboardUrl?: (cluster: string) => string | undefined;
  /** The dashboard annotation of the first entity the canary belongs to, if any. */
  entityDashboard?: (entityRefs: string[]) => string | undefined;
}

/** Assembles a canary's details from the cache, the history store and Prometheus. */
export class CanaryDetailsService {
  constructor(private readonly o: CanaryDetailsServiceOptions) {}

  async details(ref: CanaryRef): Promise<CanaryDetails | undefined> {
    const summary = this.o.fleet.summary(ref);
    const canary = this.o.fleet.canary(ref);
    const reader = this.o.fleet.reader(ref.cluster);
    if (!summary || !canary || !reader) return undefined;
    const analysis = effectiveAnalysis(canary.spec) ?? {};
    const steps = plannedSteps(canary.spec);
    const [runs, checks, storedEvents] = await Promise.all([
      this.o.history?.listRuns(ref, { limit: 20 }) ?? [],
      this.o.history?.listChecks(ref, { limit: 200 }) ?? [],
      this.o.history?.listEvents(ref, { limit: 100 }) ?? [],
    ]);
    const live = this.o.fleet.events(ref).sort((a, b) => eventTime(b).localeCompare(eventTime(a))).map(toCanaryEvent);
    const seen = new Set(live.map(e => `${e.reason}\u0000${e.message}`));
    const events = [...live, ...storedEvents.filter(e => !seen.has(`${e.reason}\u0000${e.message}`))]
      .sort((a, b) => b.time.localeCompare(a.time))
      .slice(0, 100);
    const configured = configuredSplit(canary, reader, this.o.defaultProvider);
    const traffic = this.o.traffic ? await this.o.traffic.observe(canaryKey(ref), canary, configured) : configured;
    const links: CanaryDetails['links'] = [];
    const grafana = grafanaLink(this.o.grafana, canary, runs[0], this.o.entityDashboard?.(summary.entityRefs ?? []));
    if (grafana) links.push({ title: 'Grafana', url: grafana });
    const dashboard = this.o.dashboardUrl?.(ref.cluster);
    if (dashboard) links.push({ title: 'Cluster dashboard', url: dashboard });
    const { managedFields: _m, ...metadata } = canary.metadata as Canary['metadata'] & { managedFields?: unknown };
    return {
      ...summary,
      plannedSteps: steps,
      currentStep: currentStepIndex(steps, summary),
      interval: analysis.interval ?? '1m',
      progressDeadlineSeconds: canary.spec.progressDeadlineSeconds ?? 600,
      status: canary.status ?? {},
      metrics: metricViews(canary),
      webhooks: webhookViews(canary),
      traffic,
      checks,
      events,
      runs,
      generatedObjects: generatedObjects(canary, reader),
      yaml: stringify({ ...canary, metadata }),
      links,
    };
  }
}
