import {
  CanaryAnalysis,
  CanarySpec,
  effectiveAnalysis,
  parseDurationSeconds,
} from '@delivery/plugin-delivery-common';

/** Analysis settings with Flagger's defaults and floors applied (a.1). */

export const DEFAULT_INTERVAL_SECONDS = 60;
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_METRIC_INTERVAL = '1m';

/**
 * Tick period: `analysis.interval`, 60 s when empty or unparsable, raised to `floorSeconds` (Flagger: 10 s).
 */
export function analysisIntervalSeconds(spec: CanarySpec, floorSeconds = 10): number {
  const parsed = parseDurationSeconds(effectiveAnalysis(spec)?.interval);
  const seconds = parsed === undefined || parsed <= 0 ? DEFAULT_INTERVAL_SECONDS : parsed;
  return Math.max(seconds, floorSeconds);
}

/** Failed checks tolerated before rollback; values ≤ 0 mean 1. */
export function analysisThreshold(analysis: CanaryAnalysis): number {
  return analysis.threshold && analysis.threshold > 0 ? analysis.threshold : 1;
}

export function progressDeadlineSeconds(spec: CanarySpec): number {
  return spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
}

export function readyThresholds(analysis: CanaryAnalysis): { primary: number; canary: number } {
  return { primary: analysis.primaryReadyThreshold ?? 100, canary: analysis.canaryReadyThreshold ?? 100 };
}

/**
 * The analysis block the strategy step works with. With the kubernetes provider Flagger drops `match` and forces
 * 10 iterations when none are set, announcing both every tick.
 */
export function strategyAnalysis(
  analysis: CanaryAnalysis,
  provider: string,
): { analysis: CanaryAnalysis; warnings: Array<'no-ab' | 'no-progressive'> } {
  if (provider !== 'kubernetes') return { analysis, warnings: [] };
  const warnings: Array<'no-ab' | 'no-progressive'> = [];
  let next = analysis;
  if ((analysis.match?.length ?? 0) > 0) {
    warnings.push('no-ab');
    next = { ...next, match: undefined };
  }
  if ((analysis.iterations ?? 0) < 1) {
    warnings.push('no-progressive');
    next = { ...next, iterations: 10 };
  }
  return { analysis: next, warnings };
}

export type TickStrategy = 'canary' | 'ab-testing' | 'blue-green';

export function tickStrategy(analysis: CanaryAnalysis): TickStrategy {
  const iterations = analysis.iterations ?? 0;
  if (iterations > 0 && (analysis.match?.length ?? 0) > 0) return 'ab-testing';
  if (iterations > 0) return 'blue-green';
  return 'canary';
}
