import type { AnalysisCheck, CanaryAnalysis, CanaryMetric } from '@delivery/plugin-delivery-common';
import { texts } from '../events';
import type { MetricCheckRequest, MetricOutcome } from '../types';
import type { TickContext } from './context';
import { DEFAULT_METRIC_INTERVAL } from './settings';

/**
 * Metric checks (b.1 step 23): which queries run, in which order, and how a value or an error becomes a
 * pass/fail, a history record and Flagger's event text. Rendering and running queries is the analysis module's job.
 */

export const SUCCESS_RATE = 'request-success-rate';
export const DURATION = 'request-duration';

export type PlannedMetric = MetricCheckRequest | { unusable: CanaryMetric };

/**
 * Flagger's order: first every built-in and inline-query metric (spec order), then every template metric (spec
 * order). A metric that is none of these fails in the second pass. Template metrics with an empty interval get
 * `1m` like the others (Flagger renders an empty string there; see docs/reconciler-semantics.md).
 */
export function plannedMetrics(analysis: CanaryAnalysis): PlannedMetric[] {
  const metrics = analysis.metrics ?? [];
  const interval = (m: CanaryMetric) => m.interval || DEFAULT_METRIC_INTERVAL;
  const builtin = (m: CanaryMetric) => m.name === SUCCESS_RATE || m.name === DURATION;
  const first: PlannedMetric[] = [];
  const second: PlannedMetric[] = [];
  for (const metric of metrics) {
    if (builtin(metric)) first.push({ metric, source: 'builtin', interval: interval(metric) });
    if (metric.query) first.push({ metric, source: 'query', interval: interval(metric) });
  }
  for (const metric of metrics) {
    if (metric.templateRef) second.push({ metric, source: 'template', interval: interval(metric) });
    else if (!builtin(metric) && !metric.query) second.push({ unusable: metric });
  }
  return [...first, ...second];
}

export interface MetricVerdict {
  passed: boolean;
  /** Warning text when the check failed. */
  event?: string;
  check: Omit<AnalysisCheck, 'time'>;
}

function templateId(metric: CanaryMetric, namespace: string): string {
  return `${metric.templateRef!.name}.${metric.templateRef!.namespace || namespace}`;
}

function errorEvent(ctx: TickContext, req: MetricCheckRequest, error: Extract<MetricOutcome, { error: unknown }>['error']) {
  const { metric } = req;
  if (req.source === 'builtin') {
    if (error.class === 'no-values') {
      const observer = ctx.canary.spec.targetRef.kind === 'Service' ? `${ctx.obs.provider}:service` : ctx.obs.provider;
      // Flagger appends the error only for the success rate.
      return texts.builtinNoValues(observer, metric.name, ctx.ids, metric.name === SUCCESS_RATE ? error.detail : undefined);
    }
    return texts.builtinQueryFailed(error.detail);
  }
  if (req.source === 'query') {
    return error.class === 'no-values' ? texts.queryNoValues(metric.name) : texts.queryFailed(metric.name, error.detail);
  }
  const tpl = templateId(metric, ctx.ids.namespace);
  if (error.class === 'template-error') {
    switch (error.stage) {
      case 'secret':
        return texts.templateSecretError(tpl, error.secretName ?? '', error.detail);
      case 'provider':
        return texts.templateProviderError(tpl, error.providerType ?? '', error.detail);
      case 'render':
        return texts.templateRenderError(tpl, error.detail);
      default:
        return texts.templateError(tpl, error.detail);
    }
  }
  return error.class === 'no-values'
    ? texts.templateNoValues(metric.name, error.detail)
    : texts.templateQueryFailed(metric.name, error.detail);
}

/** Turns one outcome into a verdict with Flagger's comparison rules (deprecated `threshold` included). */
export function judgeMetric(ctx: TickContext, req: MetricCheckRequest, outcome: MetricOutcome): MetricVerdict {
  const { metric } = req;
  const range = metric.thresholdRange;
  const base = { kind: 'metric' as const, name: metric.name };
  if ('error' in outcome) {
    const event = errorEvent(ctx, req, outcome.error);
    return {
      passed: false,
      event,
      check: { ...base, passed: false, errorClass: outcome.error.class, message: outcome.error.detail || event },
    };
  }
  const v = outcome.value;
  const isDuration = req.source === 'builtin' && metric.name === DURATION;
  const isRate = req.source === 'builtin' && metric.name === SUCCESS_RATE;
  // Built-in durations arrive in ms; Flagger compares whole milliseconds (time.Duration of int64 ms).
  const value = isDuration ? Math.trunc(v) : v;
  // Without a range, the deprecated `threshold` is a minimum for the success rate and a maximum otherwise.
  let min: number | undefined;
  let max: number | undefined;
  if (range) {
    min = range.min;
    max = range.max;
  } else if (isRate) {
    min = metric.threshold;
  } else {
    max = metric.threshold ?? 0;
  }
  let event: string | undefined;
  if (min !== undefined && min !== null && value < min) {
    if (isRate) event = texts.successRateBelow(ctx.ids, value, min);
    else if (isDuration) event = texts.durationBelow(ctx.ids, value, min);
    else event = texts.metricBelow(ctx.ids, metric.name, value, min);
  } else if (max !== undefined && max !== null && value > max) {
    if (isRate) event = texts.successRateAbove(ctx.ids, value, max);
    else if (isDuration) event = texts.durationAbove(ctx.ids, value, max);
    else event = texts.metricAbove(ctx.ids, metric.name, value, max);
  }
  const passed = event === undefined;
  return {
    passed,
    event,
    check: {
      ...base,
      value,
      ...(min !== undefined && min !== null ? { thresholdMin: min } : {}),
      ...(max !== undefined && max !== null ? { thresholdMax: max } : {}),
      passed,
      ...(passed ? {} : { errorClass: 'threshold' as const, message: event }),
    },
  };
}

/** Runs the metric checks in order; the first failure records its Warning and stops the analysis. */
export async function runMetricChecks(ctx: TickContext, extra: Partial<AnalysisCheck>): Promise<boolean> {
  for (const planned of plannedMetrics(ctx.analysis)) {
    if ('unusable' in planned) {
      const event = texts.noUsableMetric();
      ctx.check({ kind: 'metric', name: planned.unusable.name, passed: false, errorClass: 'query-error', message: event, ...extra });
      ctx.warning(event);
      return false;
    }
    const outcome = await ctx.fx.runMetric(planned);
    const verdict = judgeMetric(ctx, planned, outcome);
    ctx.check({ ...verdict.check, ...extra });
    if (!verdict.passed) {
      ctx.warning(verdict.event!);
      return false;
    }
  }
  return true;
}
