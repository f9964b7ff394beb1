/**
 * Metric values recovered from Flagger's threshold-breach event texts, so `flagger_canary_metric_analysis` has values
 * for clusters run by an upstream Flagger too (their checks are only visible as Events). Our own reconciler reports
 * every check directly; see CanaryMetrics.recordCheck.
 */

export interface EventMetricValue {
  metric: string;
  /** Percent for success rate, milliseconds for durations, the raw number otherwise. */
  value: number;
}

const GO_DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration (`1.2s`, `850ms`, `1m2.5s`) to milliseconds; undefined when it is not one. */
export function parseGoDurationMs(text: string): number | undefined {
  const parts = text.match(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g);
  if (!parts || parts.join('') !== text) return undefined;
  return parts.reduce((sum, p) => {
    const [, n, unit] = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(p)!;
    return sum + Number(n) * GO_DURATION_UNITS_MS[unit];
  }, 0);
}

/**
 * `Halt podinfo.test advancement success rate 61.39% < 99%` → request-success-rate 61.39;
 * `Halt podinfo.test advancement request duration 1.2s > 500ms` → request-duration 1200;
 * `Halt podinfo.test advancement error-ratio 6.20 > 3` → error-ratio 6.2. Anything else → undefined.
 */
export function metricValueFromEvent(
  message: string | undefined,
): EventMetricValue | undefined {
  if (!message) return undefined;
  const m = /^Halt \S+ advancement (.+) (\S+) ([<>]) (\S+)$/.exec(
    message.trim(),
  );
  if (!m) return undefined;
  const [, what, rawValue] = m;
  if (what === 'success rate') {
    const v = /^(\d+(?:\.\d+)?)%$/.exec(rawValue);
    return v
      ? { metric: 'request-success-rate', value: Number(v[1]) }
      : undefined;
  }
  if (what === 'request duration') {
    const ms = parseGoDurationMs(rawValue);
    return ms === undefined
      ? undefined
      : { metric: 'request-duration', value: ms };
  }
  // Custom metric names are DNS-like; anything with spaces is another Halt reason (webhooks, approvals).
  if (!/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/i.test(what)) return undefined;
  const value = Number(rawValue);
  return Number.isFinite(value) ? { metric: what, value } : undefined;
}
