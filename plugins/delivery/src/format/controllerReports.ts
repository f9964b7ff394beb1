import { CanaryEvent, MetricSpecView } from '@delivery/plugin-delivery-common';

/** How Flagger names its built-in metrics in Halt events; other metrics appear under their own name. */
const BUILTIN_PHRASES: Record<string, string> = {
  'request-success-rate': 'success rate',
  'request-duration': 'request duration',
};

const HALT = /^Halt (?:\S+ )?advancement (.+)$/s;

export interface ControllerReport {
  time: string;
  /** What follows "advancement": "success rate 61.39% < 99%". */
  text: string;
  count?: number;
}

function mentions(rest: string, metric: MetricSpecView): boolean {
  const phrase = metric.source === 'builtin' ? BUILTIN_PHRASES[metric.name] : undefined;
  if (phrase && rest.startsWith(`${phrase} `)) return true;
  if (rest.startsWith(`${metric.name} `)) return true;
  // "no values found for linkerd metric request-success-rate …", "… for custom metric: my-metric: …"
  return new RegExp(`metric:? ${metric.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(rest);
}

/**
 * The controller's latest verdict on a metric, from its Warning events: on clusters driven by upstream Flagger the
 * history holds no check values, and these events are the only place the failing numbers appear.
 */
export function latestHaltReport(
  metric: MetricSpecView,
  events: CanaryEvent[],
  since?: string,
): ControllerReport | undefined {
  const from = since ? Date.parse(since) : -Infinity;
  let latest: ControllerReport | undefined;
  for (const e of events) {
    if (e.type !== 'Warning' || Date.parse(e.time) < from) continue;
    const rest = HALT.exec(e.message)?.[1];
    if (!rest || !mentions(rest, metric)) continue;
    if (!latest || Date.parse(e.time) >= Date.parse(latest.time)) latest = { time: e.time, text: rest, count: e.count };
  }
  return latest;
}

/** Unit of a built-in metric's values and thresholds; custom queries carry none we could know. */
export function metricUnit(metric: Pick<MetricSpecView, 'name' | 'source'>): string {
  if (metric.source !== 'builtin') return '';
  if (metric.name === 'request-success-rate') return '%';
  if (metric.name === 'request-duration') return ' ms';
  return '';
}

/**
 * N from Flagger's "Rolling back <name>.<ns> failed checks threshold reached N" since `since`: the failed-check count
 * of a run Flagger has already reset to 0.
 */
export function thresholdReachedFromEvents(events: CanaryEvent[], since?: string): number | undefined {
  const from = since ? Date.parse(since) : -Infinity;
  let found: { t: number; n: number } | undefined;
  for (const e of events) {
    const n = /failed checks threshold reached (\d+)/.exec(e.message)?.[1];
    const t = Date.parse(e.time);
    if (n && t >= from && (!found || t >= found.t)) found = { t, n: Number(n) };
  }
  return found?.n;
}
