/**
 * The pure part of the demo's data-plane simulator: how much traffic each version gets, how it behaves, and the
 * Linkerd-compatible series it produces. No I/O here, so the maths is testable with plain objects.
 *
 * In a real cluster these series come from Linkerd's proxies (`response_total`, `response_latency_ms_bucket`, scraped
 * by Linkerd's Prometheus); kwok pods run no containers, so the demo synthesises them from the live router weights.
 *
 * Erasable TypeScript only: runs with `node --experimental-strip-types`, jest and tsc alike, with no npm dependencies.
 */

/** How one version of the service behaves, derived from its image. */
export interface VersionProfile {
  /** Share of requests answered with a 5xx, 0..1. */
  errorRate: number;
  /** Median latency of a request in milliseconds. */
  medianMs: number;
  /** 99th percentile latency in milliseconds. */
  p99Ms: number;
}

export const GOOD_PROFILE: VersionProfile = { errorRate: 0.005, medianMs: 25, p99Ms: 90 };
export const BAD_PROFILE: VersionProfile = { errorRate: 0.2, medianMs: 120, p99Ms: 900 };

/** The demo's convention: an image tag ending in `-bad` is a broken release; everything else is healthy. */
export function profileForImage(image: string | undefined): VersionProfile {
  const tag = imageTag(image);
  return tag.endsWith('-bad') ? BAD_PROFILE : GOOD_PROFILE;
}

/** The tag of an image reference (`ghcr.io/x/podinfo:6.1.0` → `6.1.0`), ignoring a digest; `latest` when absent. */
export function imageTag(image: string | undefined): string {
  if (!image) return 'latest';
  const noDigest = image.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(colon + 1) : 'latest';
}

/** Parses a Kubernetes quantity weight as the SMI CRD allows it ("90", 90, "900m"). Invalid → undefined. */
export function parseWeight(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)(m?)\s*$/.exec(value);
    if (m) return Math.trunc(Number(m[1]) / (m[2] ? 1000 : 1));
  }
  return undefined;
}

export interface TrafficSplitLike {
  spec?: { backends?: Array<{ service?: string; weight?: unknown }> };
}

/** Share of traffic per deployment, 0..1, keyed by deployment name. */
export type Shares = Record<string, number>;

/**
 * Which deployment receives which share of the target's traffic. With a TrafficSplit, `<t>-primary` gets the primary
 * backend's weight and `<t>` the canary backend's (`<t>-canary`); without one (before Flagger takes over, or with
 * the router missing) the target deployment receives everything, as the plain Service would route it.
 */
export function trafficShares(target: string, split: TrafficSplitLike | undefined): Shares {
  const backends = split?.spec?.backends ?? [];
  let primary = 0;
  let canary = 0;
  for (const b of backends) {
    const w = parseWeight(b.weight) ?? 0;
    if (b.service === `${target}-primary`) primary += w;
    if (b.service === `${target}-canary`) canary += w;
  }
  const total = primary + canary;
  if (!split || total <= 0) return { [target]: 1 };
  return { [`${target}-primary`]: primary / total, [target]: canary / total };
}

/**
 * Linkerd's proxy latency buckets (milliseconds), as in `response_latency_ms_bucket`; +Inf is implied.
 */
export const LATENCY_BUCKETS_MS = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000,
  40000, 50000,
];

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7 — plenty for a demo histogram). */
function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Share of requests at or below `ms`, with latencies log-normal through the profile's median and p99. */
export function latencyCdf(profile: VersionProfile, ms: number): number {
  if (ms <= 0) return 0;
  const sigma = Math.log(profile.p99Ms / profile.medianMs) / 2.3263;
  return normalCdf(Math.log(ms / profile.medianMs) / sigma);
}

/** Counters of one (cluster, namespace, deployment): what the proxies in front of its pods would have counted. */
export interface DeploymentCounters {
  success: number;
  failure: number;
  /** Cumulative counts per bucket, aligned with LATENCY_BUCKETS_MS, plus +Inf at the end. */
  buckets: number[];
  latencySumMs: number;
  /** Fractional requests not yet counted, so integer counters follow the exact rates over time. */
  carry: { total: number; failure: number; buckets: number[] };
}

export function emptyCounters(): DeploymentCounters {
  const n = LATENCY_BUCKETS_MS.length + 1;
  return {
    success: 0,
    failure: 0,
    buckets: new Array(n).fill(0),
    latencySumMs: 0,
    carry: { total: 0, failure: 0, buckets: new Array(n).fill(0) },
  };
}

/** Adds `requests` (may be fractional) served by a version with `profile`; integers come out, remainders carry. */
export function addRequests(c: DeploymentCounters, requests: number, profile: VersionProfile): void {
  if (!(requests > 0)) return;
  const take = (key: 'total' | 'failure', amount: number) => {
    const sum = c.carry[key] + amount;
    const whole = Math.floor(sum + 1e-9);
    c.carry[key] = Math.max(0, sum - whole);
    return whole;
  };
  // Whole requests first, then how many of them failed, so success + failure tracks the request rate exactly.
  const total = take('total', requests);
  const failed = Math.min(total, take('failure', requests * profile.errorRate));
  c.failure += failed;
  c.success += total - failed;
  LATENCY_BUCKETS_MS.forEach((le, i) => {
    const sum = c.carry.buckets[i] + requests * latencyCdf(profile, le);
    const whole = Math.floor(sum + 1e-9);
    c.carry.buckets[i] = Math.max(0, sum - whole);
    c.buckets[i] += whole;
  });
  // +Inf counts every request, so it equals success + failure (the histogram's _count).
  c.buckets[LATENCY_BUCKETS_MS.length] = c.success + c.failure;
  // Cumulative buckets must never exceed +Inf even when carries round differently.
  for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
    c.buckets[i] = Math.min(c.buckets[i], c.buckets[LATENCY_BUCKETS_MS.length]);
  }
  const sigma = Math.log(profile.p99Ms / profile.medianMs) / 2.3263;
  c.latencySumMs += requests * profile.medianMs * Math.exp((sigma * sigma) / 2);
}

export interface SeriesKey {
  cluster: string;
  namespace: string;
  deployment: string;
}

/** What one deployment looks like to the simulator on one poll. */
export interface DeploymentObservation extends SeriesKey {
  share: number;
  image?: string;
}

/** Advances every observed deployment's counters by `seconds` at `rps` requests per second for the whole target. */
export function advance(
  counters: Map<string, DeploymentCounters>,
  observations: DeploymentObservation[],
  rps: number,
  seconds: number,
): void {
  for (const o of observations) {
    const key = seriesKey(o);
    let c = counters.get(key);
    if (!c) counters.set(key, (c = emptyCounters()));
    addRequests(c, rps * seconds * o.share, profileForImage(o.image));
  }
}

export function seriesKey(k: SeriesKey): string {
  return `${k.cluster}\u0000${k.namespace}\u0000${k.deployment}`;
}

function parseKey(key: string): SeriesKey {
  const [cluster, namespace, deployment] = key.split('\u0000');
  return { cluster, namespace, deployment };
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * Prometheus text exposition of the counters of one cluster, with Linkerd's metric names and labels. The cluster is
 * not a label here: Prometheus adds it as a target label, as a per-cluster Linkerd Prometheus would not need to.
 */
export function renderMetrics(counters: Map<string, DeploymentCounters>, cluster: string): string {
  const lines: string[] = [
    '# HELP response_total Total count of HTTP responses (simulated; in a real cluster the Linkerd proxy counts these).',
    '# TYPE response_total counter',
  ];
  const hist: string[] = [
    '# HELP response_latency_ms Elapsed times between a request\'s headers being received and its response stream completing (simulated).',
    '# TYPE response_latency_ms histogram',
  ];
  const keys = [...counters.keys()].sort();
  for (const key of keys) {
    const k = parseKey(key);
    if (k.cluster !== cluster) continue;
    const c = counters.get(key)!;
    const base = `namespace="${escapeLabel(k.namespace)}",deployment="${escapeLabel(k.deployment)}",direction="inbound"`;
    lines.push(`response_total{${base},classification="success",status_code="200"} ${c.success}`);
    lines.push(`response_total{${base},classification="failure",status_code="500"} ${c.failure}`);
    LATENCY_BUCKETS_MS.forEach((le, i) => hist.push(`response_latency_ms_bucket{${base},le="${le}"} ${c.buckets[i]}`));
    hist.push(`response_latency_ms_bucket{${base},le="+Inf"} ${c.buckets[LATENCY_BUCKETS_MS.length]}`);
    hist.push(`response_latency_ms_sum{${base}} ${c.latencySumMs.toFixed(3)}`);
    hist.push(`response_latency_ms_count{${base}} ${c.success + c.failure}`);
  }
  return `${[...lines, ...hist].join('\n')}\n`;
}
