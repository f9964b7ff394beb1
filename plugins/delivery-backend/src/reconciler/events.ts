/**
 * Flagger's Kubernetes event and alert texts (g, f), byte for byte, so `kubectl describe canary`, dashboards and
 * alert rules written against Flagger keep matching. `c` is `<name>.<ns>` of the Canary, `t` is `<target>.<ns>`.
 * Go number formatting is reproduced where Flagger prints floats or durations.
 */

export interface CanaryIds {
  name: string;
  namespace: string;
  target: string;
}

const c = (ids: CanaryIds) => `${ids.name}.${ids.namespace}`;
const t = (ids: CanaryIds) => `${ids.target}.${ids.namespace}`;
const p = (ids: CanaryIds) => `${ids.target}-primary.${ids.namespace}`;

export const texts = {
  suspended: () => 'skipping canary run as object is suspended',
  providersAvailable: () => 'all the metrics providers are available!',
  providersError: (err: string) => `Error checking metric providers: ${err}`,
  initialized: (ids: CanaryIds) => `Initialization done! ${c(ids)}`,
  scaleDownFailed: (kind: string, ids: CanaryIds, err: string) =>
    `scaling down canary ${kind} ${t(ids)} failed: ${err}`,
  selectorLabel: (kind: string, ids: CanaryIds, labels: string[]) =>
    `getSelectorLabel failed: ${kind.toLowerCase()} ${t(ids)} spec.selector.matchLabels must contain one of [${labels.join(' ')}]`,
  targetNotFound: (kind: string, ids: CanaryIds, err: string) => `${kind.toLowerCase()} ${t(ids)} get query error: ${err}`,

  waitingApproval: (ids: CanaryIds, hook: string) => `Halt ${c(ids)} advancement waiting for approval ${hook}`,
  confirmRolloutPassed: (hook: string) => `Confirm-rollout check ${hook} passed`,
  scalingUp: (ids: CanaryIds) => `New revision detected! Scaling up ${t(ids)}`,
  restarting: (ids: CanaryIds) => `New revision detected! Restarting analysis for ${t(ids)}`,
  starting: (ids: CanaryIds) => `Starting canary analysis for ${t(ids)}`,
  preRolloutFailed: (ids: CanaryIds, hook: string, err: string) =>
    `Halt ${c(ids)} advancement pre-rollout check ${hook} failed ${err}`,
  preRolloutPassed: (hook: string) => `Pre-rollout check ${hook} passed`,
  rolloutHookFailed: (ids: CanaryIds, hook: string, err: string) =>
    `Halt ${c(ids)} advancement external check ${hook} failed ${err}`,
  waitingTrafficIncrease: (ids: CanaryIds, hook: string) =>
    `Halt ${c(ids)} advancement waiting for traffic increase approval ${hook}`,
  trafficIncreasePassed: (hook: string) => `Confirm-traffic-increase check ${hook} passed`,
  waitingPromotion: (ids: CanaryIds, hook: string) => `Halt ${c(ids)} advancement waiting for promotion approval ${hook}`,
  promotionPassed: (hook: string) => `Confirm-promotion check ${hook} passed`,
  rollbackHookQuiet: (hook: string) => `Rollback hook ${hook} not signaling a rollback`,
  rollbackHookPassed: (hook: string) => `Rollback check ${hook} passed`,
  rollbackManual: (ids: CanaryIds) => `Rolling back ${c(ids)} manual webhook invoked`,
  // Ours, not Flagger's: portal requests name who asked (docs/actions.md).
  aborted: (ids: CanaryIds, actor: string, comment?: string) =>
    `Rolling back ${c(ids)}: aborted by ${actor}${comment ? ` — "${comment}"` : ''}`,
  promoteNow: (ids: CanaryIds, actor: string, comment?: string) =>
    `Promoting ${c(ids)} now, skipping the remaining analysis: requested by ${actor}${comment ? ` — "${comment}"` : ''}`,
  postRolloutFailed: (hook: string, err: string) => `Post-rollout hook ${hook} failed ${err}`,
  postRolloutPassed: (hook: string) => `Post-rollout check ${hook} passed`,

  advanceWeight: (ids: CanaryIds, w: number) => `Advance ${c(ids)} canary weight ${w}`,
  advanceIteration: (ids: CanaryIds, k: number, n: number) => `Advance ${c(ids)} canary iteration ${k}/${n}`,
  advancePrimaryWeight: (ids: CanaryIds, w: number) => `Advance ${c(ids)} primary weight ${w}`,
  routingToCanary: () => 'Routing all traffic to canary',
  stopMirroring: () => 'Stop traffic mirroring and route all traffic to canary',
  copying: (ids: CanaryIds) => `Copying ${t(ids)} template spec to ${p(ids)}`,
  routingToPrimary: () => 'Routing all traffic to primary',
  promotionCompleted: (ids: CanaryIds) => `Promotion completed! Scaling down ${t(ids)}`,
  promotionSkipped: (ids: CanaryIds) => `Promotion completed! Canary analysis was skipped for ${t(ids)}`,

  thresholdReached: (ids: CanaryIds, n: number) => `Rolling back ${c(ids)} failed checks threshold reached ${n}`,
  canaryFailed: (ids: CanaryIds) => `Canary failed! Scaling down ${c(ids)}`,
  terminating: (ids: CanaryIds) => `Terminating canary ${c(ids)}`,
  terminated: (ids: CanaryIds) => `Terminated canary ${c(ids)}`,
  promotionFailed: (ids: CanaryIds, err: string) => `Promotion of ${t(ids)} failed, primary not ready: ${err}`,

  kubernetesNoAB: () => 'A/B testing is not supported when using the kubernetes provider',
  kubernetesNoProgressive: () => 'Progressive traffic is not supported when using the kubernetes provider',
  kubernetesIterations: () => 'Setting canaryAnalysis.iterations: 10',

  // Metric checks (scheduler_metrics.go).
  successRateBelow: (ids: CanaryIds, v: number, min: number) =>
    `Halt ${c(ids)} advancement success rate ${goFixed2(v)}% < ${goFloat(min)}%`,
  successRateAbove: (ids: CanaryIds, v: number, max: number) =>
    `Halt ${c(ids)} advancement success rate ${goFixed2(v)}% > ${goFloat(max)}%`,
  durationBelow: (ids: CanaryIds, ms: number, minMs: number) =>
    `Halt ${c(ids)} advancement request duration ${goDuration(ms)} < ${goDuration(minMs)}`,
  durationAbove: (ids: CanaryIds, ms: number, maxMs: number) =>
    `Halt ${c(ids)} advancement request duration ${goDuration(ms)} > ${goDuration(maxMs)}`,
  metricBelow: (ids: CanaryIds, metric: string, v: number, min: number) =>
    `Halt ${c(ids)} advancement ${metric} ${goFixed2(v)} < ${goFloat(min)}`,
  metricAbove: (ids: CanaryIds, metric: string, v: number, max: number) =>
    `Halt ${c(ids)} advancement ${metric} ${goFixed2(v)} > ${goFloat(max)}`,
  builtinNoValues: (observer: string, metric: string, ids: CanaryIds, err: string | undefined) =>
    `Halt advancement no values found for ${observer} metric ${metric} probably ${t(ids)} is not receiving traffic${
      err === undefined ? '' : `: ${err}`
    }`,
  builtinQueryFailed: (err: string) => `Prometheus query failed: ${err}`,
  queryNoValues: (metric: string) => `Halt advancement no values found for metric: ${metric}`,
  queryFailed: (metric: string, err: string) => `Prometheus query failed for ${metric}: ${err}`,
  templateError: (tpl: string, err: string) => `Metric template ${tpl} error: ${err}`,
  templateSecretError: (tpl: string, secret: string, err: string) => `Metric template ${tpl} secret ${secret} error: ${err}`,
  templateProviderError: (tpl: string, type: string, err: string) => `Metric template ${tpl} provider ${type} error: ${err}`,
  templateRenderError: (tpl: string, err: string) => `Metric template ${tpl} query render error: ${err}`,
  templateNoValues: (metric: string, err: string) => `Halt advancement no values found for custom metric: ${metric}: ${err}`,
  templateQueryFailed: (metric: string, err: string) => `Metric query failed for ${metric}: ${err}`,
  noUsableMetric: () => 'Metric query failed for no usable metrics template and query were configured',
};

/** Alert texts (f). */
export const alertTexts = {
  initialized: (kind: string) => `New ${kind} detected, initialization completed.`,
  progressing: () => 'New revision detected, progressing canary analysis.',
  succeeded: () => 'Canary analysis completed successfully, promotion finished.',
  skipped: () => 'Canary analysis was skipped, promotion finished.',
  waitingApproval: () => 'Canary is waiting for approval.',
  waitingPromotion: () => 'Canary promotion is waiting for approval.',
  waitingTrafficIncrease: () => 'Canary traffic increase is waiting for approval.',
  rollbackManual: () => 'Rolling back manual webhook invoked',
  aborted: (actor: string) => `Rolling back: aborted by ${actor}`,
  thresholdReached: (n: number) => `Failed checks threshold reached ${n}`,
  promotionFailed: (err: string) => `Promotion failed, primary not ready: ${err}`,
};

/** Go's `%.2f`: like toFixed(2), except that exact ties round half to even. */
export function goFixed2(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(v);
  // A double is exactly halfway between two cents only when its fraction is an odd multiple of 1/8.
  if (Number.isInteger(abs * 8) && !Number.isInteger(abs * 4)) {
    const down = Math.floor(abs * 100);
    const cents = down % 2 === 0 ? down : down + 1;
    return `${v < 0 ? '-' : ''}${(cents / 100).toFixed(2)}`;
  }
  return v.toFixed(2);
}

/** Go's `%v` for a float64: shortest representation, exponent form below 1e-4 and from 1e6 up. */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, expPart] = v.toExponential().split('e');
  const exp = Number(expPart);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return String(v);
}

/** Go's time.Duration.String() for a duration given in milliseconds (rounded to whole nanoseconds). */
export function goDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const neg = ns < 0;
  ns = Math.abs(ns);
  const sign = neg ? '-' : '';
  const frac = (value: number, unit: number) => {
    const whole = Math.floor(value / unit);
    const rest = value % unit;
    if (rest === 0) return String(whole);
    const digits = String(unit).length - 1;
    return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
  };
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${frac(ns, 1e3)}µs`;
  if (ns < 1e9) return `${sign}${frac(ns, 1e6)}ms`;
  const h = Math.floor(ns / 3.6e12);
  const m = Math.floor((ns % 3.6e12) / 6e10);
  const s = frac(ns % 6e10, 1e9);
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}
