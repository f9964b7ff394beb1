import {
  AnalysisCheck,
  CanaryAction,
  CanaryDetails,
  CanaryEvent,
  CanaryMetric,
  CanaryPhase,
  CanaryRef,
  CanarySpec,
  GeneratedObject,
  MetricSpecView,
  RolloutRun,
  TrafficSplit,
  effectiveAnalysis,
  isAnalysisSkipped,
  maxWeightOf,
  plannedSteps,
  strategyOf,
} from '@delivery/plugin-delivery-common';

export interface CanaryFixtureOptions {
  ref: CanaryRef;
  spec: CanarySpec;
  phase: CanaryPhase;
  primaryImages: string[];
  canaryImages: string[];
  lastTransitionTime: string;
  /** Index into the planned steps, -1 when idle. */
  currentStep: number;
  canaryWeight?: number;
  iterations?: number;
  failedChecks?: number;
  message?: string;
  traffic?: TrafficSplit;
  checks?: AnalysisCheck[];
  events?: CanaryEvent[];
  runs?: RolloutRun[];
  actions?: CanaryAction[];
  entityRefs?: string[];
  links?: Array<{ title: string; url: string }>;
}

const ROUTER_OBJECT: Record<string, string> = {
  linkerd: 'TrafficSplit',
  nginx: 'Ingress',
  istio: 'VirtualService',
  gatewayapi: 'HTTPRoute',
};

function generatedObjects(ref: CanaryRef, spec: CanarySpec): GeneratedObject[] {
  const base = spec.targetRef.name;
  const ns = ref.namespace;
  const objects: GeneratedObject[] = [
    { kind: 'Deployment', name: `${base}-primary`, namespace: ns, status: '2/2 ready', ready: true },
    { kind: 'Service', name: base, namespace: ns, status: 'selects primary', ready: true },
    { kind: 'Service', name: `${base}-canary`, namespace: ns, status: 'ClusterIP', ready: true },
    { kind: 'Service', name: `${base}-primary`, namespace: ns, status: 'ClusterIP', ready: true },
  ];
  const router = ROUTER_OBJECT[spec.provider ?? ''];
  if (router) {
    const name = router === 'Ingress' ? `${base}-canary` : base;
    objects.push({ kind: router, name, namespace: ns, status: 'reconciled', ready: true });
  }
  return objects;
}

/** Just enough YAML for the collapsible view; fixtures only hold strings, numbers, arrays and objects. */
function toYaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    return value
      .map(item => {
        const text = toYaml(item, `${indent}  `).trimStart();
        return `${indent}- ${text}`;
      })
      .join('\n');
  }
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([key, v]) =>
        v && typeof v === 'object'
          ? `${indent}${key}:\n${toYaml(v, `${indent}  `)}`
          : `${indent}${key}: ${JSON.stringify(v)}`,
      )
      .join('\n');
  }
  return `${indent}${JSON.stringify(value)}`;
}

function sourceOf(metric: CanaryMetric): MetricSpecView['source'] {
  if (metric.templateRef) return 'template';
  return metric.query ? 'query' : 'builtin';
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A complete, internally consistent CanaryDetails: summary fields, plan and views are derived from the spec. */
export function buildCanary(o: CanaryFixtureOptions): CanaryDetails {
  const analysis = effectiveAnalysis(o.spec) ?? {};
  const strategy = strategyOf(o.spec);
  const weighted = strategy === 'canary' || strategy === 'canary-mirroring';
  const checks = o.checks ?? [];
  const lastHookResult = (name: string) => {
    const last = [...checks].reverse().find(c => c.kind === 'webhook' && c.name === name);
    return last && { passed: last.passed, time: last.time, message: last.message };
  };
  return {
    ...o.ref,
    uid: `uid-${o.ref.cluster}-${o.ref.namespace}-${o.ref.name}`,
    resourceVersion: '1042',
    strategy,
    analysisSkipped: isAnalysisSkipped(o.spec),
    provider: o.spec.provider ?? 'kubernetes',
    targetKind: o.spec.targetRef.kind,
    targetName: o.spec.targetRef.name,
    phase: o.phase,
    canaryWeight: o.canaryWeight ?? 0,
    iterations: o.iterations ?? 0,
    failedChecks: o.failedChecks ?? 0,
    threshold: analysis.threshold ?? 0,
    maxWeight: weighted ? maxWeightOf(analysis) : undefined,
    totalIterations: weighted ? undefined : analysis.iterations,
    primaryImages: o.primaryImages,
    canaryImages: o.canaryImages,
    lastTransitionTime: o.lastTransitionTime,
    message: o.message,
    suspended: Boolean(o.spec.suspend),
    needsAttention: ['Failed', 'Waiting', 'WaitingPromotion'].includes(o.phase),
    entityRefs: o.entityRefs ?? ['component:default/podinfo'],
    updatedAt: o.lastTransitionTime,
    plannedSteps: plannedSteps(o.spec),
    currentStep: o.currentStep,
    interval: analysis.interval ?? '1m',
    progressDeadlineSeconds: o.spec.progressDeadlineSeconds ?? 600,
    status: {
      phase: o.phase,
      canaryWeight: o.canaryWeight ?? 0,
      failedChecks: o.failedChecks ?? 0,
      iterations: o.iterations ?? 0,
      lastTransitionTime: o.lastTransitionTime,
    },
    metrics: (analysis.metrics ?? []).map(m => ({
      name: m.name,
      interval: m.interval ?? '1m',
      thresholdMin: m.thresholdRange?.min,
      thresholdMax: m.thresholdRange?.max,
      source: sourceOf(m),
    })),
    webhooks: (analysis.webhooks ?? []).map(h => ({
      name: h.name,
      type: h.type || 'rollout',
      host: hostOf(h.url),
      lastResult: lastHookResult(h.name),
    })),
    traffic: o.traffic,
    checks,
    events: o.events ?? [],
    runs: o.runs ?? [],
    generatedObjects: generatedObjects(o.ref, o.spec),
    yaml: toYaml({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: o.ref.name, namespace: o.ref.namespace },
      spec: o.spec,
    }),
    links: o.links ?? [
      {
        title: 'Open in Grafana',
        url: `https://grafana.example.com/d/flagger-${o.spec.provider}?var-namespace=${o.ref.namespace}&var-primary=${o.spec.targetRef.name}-primary&var-canary=${o.spec.targetRef.name}`,
      },
    ],
    actions: o.actions,
  };
}

/** Metric checks every `stepSeconds` from `start`, one per value; a value outside the range fails. */
export function metricChecks(options: {
  name: string;
  start: string;
  stepSeconds: number;
  values: Array<number | undefined>;
  thresholdMin?: number;
  thresholdMax?: number;
}): AnalysisCheck[] {
  const t0 = Date.parse(options.start);
  return options.values.map((value, i) => {
    const time = new Date(t0 + i * options.stepSeconds * 1000).toISOString();
    const base = {
      time,
      kind: 'metric' as const,
      name: options.name,
      thresholdMin: options.thresholdMin,
      thresholdMax: options.thresholdMax,
      iteration: i + 1,
    };
    if (value === undefined) {
      return { ...base, passed: false, errorClass: 'no-values' as const, message: 'no values found' };
    }
    const below = options.thresholdMin !== undefined && value < options.thresholdMin;
    const above = options.thresholdMax !== undefined && value > options.thresholdMax;
    return below || above
      ? { ...base, value, passed: false, errorClass: 'threshold' as const }
      : { ...base, value, passed: true };
  });
}
