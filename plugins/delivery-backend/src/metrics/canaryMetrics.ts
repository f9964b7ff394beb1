import type {
  AnalysisCheck,
  CanaryRef,
  CanarySummary,
  DeliveryStrategy,
} from '@delivery/plugin-delivery-common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FleetChange } from '../fleet/aggregator';
import type { KubeEvent } from '../fleet/summary';
import { metricValueFromEvent } from './eventValues';

/**
 * Flagger's controller metrics (names, types, labels and value conventions), derived from the fleet — so they exist
 * for every watched cluster, whether our reconciler or an upstream Flagger runs it. Existing Flagger alerts and
 * dashboards keep working after a migration; every series has one extra label, `cluster`, because one backend
 * watches many clusters.
 *
 * Deliberate differences: `flagger_canary_duration_seconds` observes whole runs (first Progressing → Succeeded or
 * Failed) instead of Flagger's per-tick time, and `flagger_canary_metric_analysis` of an upstream-Flagger cluster only
 * has the values Flagger prints in threshold-breach events (passing values are not visible from outside).
 */

export interface CanaryMetricsOptions {
  /** Label of `flagger_info`; the default mesh provider (`delivery.reconciler.meshProvider`). */
  meshProvider: string;
  version?: string;
  now?: () => number;
  /** Canaries with per-canary series; beyond this only totals are kept. Default 2000. */
  maxCanaries?: number;
  /** Distinct `metric` label values per canary. Default 10. */
  maxMetricsPerCanary?: number;
  registry?: Registry;
}

interface Tracked {
  ref: CanaryRef;
  phase: string;
  targetName: string;
  runStartedAt?: number;
  metrics: Set<string>;
  series: boolean;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);
const ACTIVE = new Set([
  'Progressing',
  'WaitingPromotion',
  'Promoting',
  'Finalising',
]);

/** Flagger's `deployment_strategy` label values. */
export function flaggerStrategy(strategy: DeliveryStrategy): string {
  if (strategy === 'ab-testing') return 'ab-testing';
  if (strategy === 'blue-green' || strategy === 'blue-green-mirroring')
    return 'blue-green';
  return 'canary';
}

/** Flagger's `flagger_canary_status` encoding: 0 Progressing, 2 Failed, 1 anything else. */
export function statusValue(phase: string): number {
  if (phase === 'Progressing') return 0;
  if (phase === 'Failed') return 2;
  return 1;
}

const keyOf = (r: CanaryRef) => `${r.cluster}/${r.namespace}/${r.name}`;

export class CanaryMetrics {
  readonly registry: Registry;
  private readonly now: () => number;
  private readonly maxCanaries: number;
  private readonly maxMetrics: number;
  private readonly tracked = new Map<string, Tracked>();
  private readonly perNamespace = new Map<string, number>();
  private readonly total: Gauge<'cluster' | 'namespace'>;
  private readonly status: Gauge<'cluster' | 'name' | 'namespace'>;
  private readonly weight: Gauge<'cluster' | 'workload' | 'namespace'>;
  private readonly analysis: Gauge<'cluster' | 'name' | 'namespace' | 'metric'>;
  private readonly duration: Histogram<'cluster' | 'name' | 'namespace'>;
  private readonly successes: Counter<
    'cluster' | 'name' | 'namespace' | 'deployment_strategy' | 'analysis_status'
  >;
  private readonly failures: Counter<
    'cluster' | 'name' | 'namespace' | 'deployment_strategy' | 'analysis_status'
  >;
  private readonly dropped: Gauge;
  private withSeries = 0;

  constructor(options: CanaryMetricsOptions) {
    this.registry = options.registry ?? new Registry();
    this.now = options.now ?? Date.now;
    this.maxCanaries = options.maxCanaries ?? 2000;
    this.maxMetrics = options.maxMetricsPerCanary ?? 10;
    const registers = [this.registry];
    new Gauge({
      name: 'flagger_info',
      help: 'Controller identity: always 1, labelled with the version and the default mesh provider',
      labelNames: ['version', 'mesh_provider'],
      registers,
    })
      .labels(options.version ?? 'delivery', options.meshProvider)
      .set(1);
    this.total = new Gauge({
      name: 'flagger_canary_total',
      help: 'Canaries per cluster and namespace',
      labelNames: ['cluster', 'namespace'],
      registers,
    });
    this.status = new Gauge({
      name: 'flagger_canary_status',
      help: 'Last canary analysis result: 0 progressing, 1 succeeded or idle, 2 failed',
      labelNames: ['cluster', 'name', 'namespace'],
      registers,
    });
    this.weight = new Gauge({
      name: 'flagger_canary_weight',
      help: 'Traffic weight (percent) of the primary and canary workloads',
      labelNames: ['cluster', 'workload', 'namespace'],
      registers,
    });
    this.analysis = new Gauge({
      name: 'flagger_canary_metric_analysis',
      help: 'Last canary analysis result per metric (percent for success rate, milliseconds for duration)',
      labelNames: ['cluster', 'name', 'namespace', 'metric'],
      registers,
    });
    this.duration = new Histogram({
      name: 'flagger_canary_duration_seconds',
      help: 'Seconds from the start of a canary run to its promotion or rollback',
      labelNames: ['cluster', 'name', 'namespace'],
      buckets: [30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers,
    });
    this.successes = new Counter({
      name: 'flagger_canary_successes_total',
      help: 'Canary runs that ended promoted',
      labelNames: [
        'cluster',
        'name',
        'namespace',
        'deployment_strategy',
        'analysis_status',
      ],
      registers,
    });
    this.failures = new Counter({
      name: 'flagger_canary_failures_total',
      help: 'Canary runs that ended rolled back',
      labelNames: [
        'cluster',
        'name',
        'namespace',
        'deployment_strategy',
        'analysis_status',
      ],
      registers,
    });
    this.dropped = new Gauge({
      name: 'delivery_metrics_canaries_without_series',
      help: 'Canaries beyond the per-canary series limit (only counted in flagger_canary_total)',
      registers,
    });
  }

  /** Feed from FleetAggregator.onChange: a canary was added, changed or deleted. */
  observe(change: FleetChange): void {
    const key = keyOf(change.ref);
    const prev = this.tracked.get(key);
    if (!change.summary) {
      if (prev) this.forget(key, prev);
      return;
    }
    const s = change.summary;
    let t = prev;
    if (!t) {
      t = {
        ref: { cluster: s.cluster, namespace: s.namespace, name: s.name },
        phase: s.phase,
        targetName: s.targetName,
        metrics: new Set(),
        series: this.withSeries < this.maxCanaries,
      };
      this.tracked.set(key, t);
      this.bumpNamespace(s, 1);
      if (t.series) this.withSeries++;
      else this.dropped.inc();
      // A run already under way when we first see it has no known start: no duration for it.
    } else if (s.phase !== t.phase) {
      this.transition(t, s);
    }
    if (t.series && t.targetName !== s.targetName) {
      this.removeWeights(t);
      t.targetName = s.targetName;
    }
    t.phase = s.phase;
    if (!t.series) return;
    const labels = { cluster: s.cluster, name: s.name, namespace: s.namespace };
    this.status.set(labels, statusValue(s.phase));
    const canaryWeight = Math.max(0, Math.min(100, s.canaryWeight));
    this.weight.set(
      {
        cluster: s.cluster,
        namespace: s.namespace,
        workload: `${s.targetName}-primary`,
      },
      100 - canaryWeight,
    );
    this.weight.set(
      { cluster: s.cluster, namespace: s.namespace, workload: s.targetName },
      canaryWeight,
    );
  }

  /** Feed from FleetAggregator.onEvent: threshold-breach events carry the failing metric's value. */
  observeEvent(cluster: string, event: KubeEvent): void {
    const inv = event.involvedObject;
    if (inv?.kind !== 'Canary' || !inv.name) return;
    const parsed = metricValueFromEvent(event.message);
    if (!parsed) return;
    this.setAnalysis(
      {
        cluster,
        namespace: inv.namespace ?? event.metadata.namespace ?? '',
        name: inv.name,
      },
      parsed.metric,
      parsed.value,
    );
  }

  /** Our reconciler's checks, passing and failing, with their measured values. */
  recordCheck(ref: CanaryRef, check: AnalysisCheck): void {
    if (
      check.kind !== 'metric' ||
      check.value === undefined ||
      !Number.isFinite(check.value)
    )
      return;
    this.setAnalysis(ref, check.name, check.value);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return {
      contentType: this.registry.contentType,
      body: await this.registry.metrics(),
    };
  }

  private setAnalysis(ref: CanaryRef, metric: string, value: number) {
    const t = this.tracked.get(keyOf(ref));
    if (!t?.series) return;
    if (!t.metrics.has(metric) && t.metrics.size >= this.maxMetrics) return;
    t.metrics.add(metric);
    this.analysis.set(
      {
        cluster: ref.cluster,
        name: ref.name,
        namespace: ref.namespace,
        metric,
      },
      value,
    );
  }

  private transition(t: Tracked, s: CanarySummary) {
    const now = this.now();
    if (ACTIVE.has(s.phase) && !ACTIVE.has(t.phase)) t.runStartedAt = now;
    if (!TERMINAL.has(s.phase) || !t.series) return;
    const labels = { cluster: s.cluster, name: s.name, namespace: s.namespace };
    const outcome = {
      ...labels,
      deployment_strategy: flaggerStrategy(s.strategy),
      analysis_status: s.analysisSkipped ? 'skipped' : 'completed',
    };
    (s.phase === 'Succeeded' ? this.successes : this.failures).inc(outcome);
    if (t.runStartedAt !== undefined)
      this.duration.observe(labels, (now - t.runStartedAt) / 1000);
    t.runStartedAt = undefined;
  }

  private forget(key: string, t: Tracked) {
    this.tracked.delete(key);
    this.bumpNamespace(t.ref, -1);
    if (!t.series) {
      this.dropped.dec();
      return;
    }
    this.withSeries--;
    const labels = {
      cluster: t.ref.cluster,
      name: t.ref.name,
      namespace: t.ref.namespace,
    };
    this.status.remove(labels);
    this.removeWeights(t);
    for (const metric of t.metrics) this.analysis.remove({ ...labels, metric });
    this.duration.remove(labels);
    for (const strategy of ['canary', 'blue-green', 'ab-testing']) {
      for (const status of ['completed', 'skipped']) {
        const outcome = {
          ...labels,
          deployment_strategy: strategy,
          analysis_status: status,
        };
        this.successes.remove(outcome);
        this.failures.remove(outcome);
      }
    }
  }

  private removeWeights(t: Tracked) {
    const base = { cluster: t.ref.cluster, namespace: t.ref.namespace };
    this.weight.remove({ ...base, workload: `${t.targetName}-primary` });
    this.weight.remove({ ...base, workload: t.targetName });
  }

  private bumpNamespace(ref: CanaryRef, delta: number) {
    const k = `${ref.cluster}/${ref.namespace}`;
    const n = (this.perNamespace.get(k) ?? 0) + delta;
    const labels = { cluster: ref.cluster, namespace: ref.namespace };
    if (n <= 0) {
      this.perNamespace.delete(k);
      this.total.remove(labels);
    } else {
      this.perNamespace.set(k, n);
      this.total.set(labels, n);
    }
  }
}
