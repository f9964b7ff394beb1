import { CanaryAnalysis, CanarySpec, effectiveAnalysis } from './types/canary';

/** How a canary shifts traffic; decided from the analysis block exactly as Flagger does. */
export type DeliveryStrategy = 'canary' | 'ab-testing' | 'blue-green' | 'blue-green-mirroring' | 'canary-mirroring';

export function strategyOf(spec: CanarySpec, defaultProvider?: string): DeliveryStrategy {
  const analysis = effectiveAnalysis(spec) ?? {};
  const iterations = analysis.iterations ?? 0;
  // Flagger resolves the provider per canary before choosing; `kubernetes` can only switch whole services.
  const kubernetes = (spec.provider || defaultProvider) === 'kubernetes';
  if (iterations > 0 && (analysis.match?.length ?? 0) > 0 && !kubernetes) {
    return 'ab-testing';
  }
  if (iterations > 0 || kubernetes) {
    return analysis.mirror && !kubernetes ? 'blue-green-mirroring' : 'blue-green';
  }
  return analysis.mirror ? 'canary-mirroring' : 'canary';
}

/** True when no analysis runs: `skipAnalysis`, or no analysis block at all. */
export function isAnalysisSkipped(spec: CanarySpec): boolean {
  return Boolean(spec.skipAnalysis) || effectiveAnalysis(spec) === undefined;
}

/**
 * Highest canary weight before promotion. With `stepWeights` the last step (capped at 100) is the maximum and
 * `maxWeight` is ignored, even when `stepWeight` is also set (then `stepWeight` sizes the steps, Flagger's rule).
 */
export function maxWeightOf(analysis: CanaryAnalysis): number {
  const steps = analysis.stepWeights ?? [];
  if (steps.length > 0) {
    return Math.min(100, steps[steps.length - 1]);
  }
  return analysis.maxWeight && analysis.maxWeight > 0 ? analysis.maxWeight : 100;
}

/**
 * Size of the next weight increase from canary weight `w` (Flagger's `nextStepWeight`). `stepWeight` wins when
 * both are set. With `stepWeights`, a weight that is not one of the steps jumps straight to 100.
 */
export function nextStepSize(analysis: CanaryAnalysis, w: number): number {
  const steps = analysis.stepWeights ?? [];
  if ((analysis.stepWeight ?? 0) > 0 || steps.length === 0) {
    return analysis.stepWeight ?? 0;
  }
  if (100 - w === 0) return 1;
  if (w === 0) return Math.min(100, steps[0]);
  const i = steps.indexOf(w);
  if (i >= 0 && i < steps.length - 1) return Math.min(100 - w, steps[i + 1] - w);
  return 100 - w;
}

/**
 * The canary weights a run walks through, in order. Like Flagger, the last step may overshoot `maxWeight`
 * (stepWeight 20, maxWeight 50 gives 20, 40, 60): promotion starts once the weight is at or past the maximum.
 */
export function plannedWeights(analysis: CanaryAnalysis): number[] {
  const max = maxWeightOf(analysis);
  const weights: number[] = [];
  let w = 0;
  // Bounded: every step adds at least 1 and weights are capped at 100.
  for (let guard = 0; guard < 101 && w < max; guard++) {
    const step = nextStepSize(analysis, w);
    if (step <= 0) break;
    w = Math.min(100, w + step);
    weights.push(w);
  }
  return weights;
}

export type PlannedStepKind =
  | 'gate'
  | 'pre-rollout'
  | 'weight'
  | 'iteration'
  | 'switch'
  | 'promotion-gate'
  | 'promote'
  | 'finalise';

export interface PlannedStep {
  kind: PlannedStepKind;
  /** Human label, e.g. "10%", "Iteration 3/10", "Approval: confirm-promotion". */
  label: string;
  /** Canary weight after this step, for weight steps. */
  weight?: number;
  /** Iteration number after this step, for A/B and blue/green. */
  iteration?: number;
  /** Webhook name for gates. */
  hook?: string;
}

/** The whole plan of a run, as the Delivery tab's stepper shows it. */
export function plannedSteps(spec: CanarySpec, defaultProvider?: string): PlannedStep[] {
  const analysis = effectiveAnalysis(spec) ?? {};
  const hooks = analysis.webhooks ?? [];
  const steps: PlannedStep[] = [];
  for (const h of hooks.filter(x => x.type === 'confirm-rollout')) {
    steps.push({ kind: 'gate', label: `Approval: ${h.name}`, hook: h.name });
  }
  if (isAnalysisSkipped(spec)) {
    steps.push({ kind: 'promote', label: 'Promote (analysis skipped)' });
    return steps;
  }
  const strategy = strategyOf(spec, defaultProvider);
  const kubernetes = (spec.provider || defaultProvider) === 'kubernetes';
  if (strategy === 'canary' || strategy === 'canary-mirroring') {
    if (strategy === 'canary-mirroring') steps.push({ kind: 'weight', label: 'Mirror', weight: 0 });
    for (const w of plannedWeights(analysis)) {
      steps.push({ kind: 'weight', label: `${w}%`, weight: w });
    }
  } else {
    // The kubernetes provider forces 10 iterations when none are set.
    const n = (analysis.iterations ?? 0) < 1 ? 10 : (analysis.iterations as number);
    for (let i = 1; i <= n; i++) {
      steps.push({ kind: 'iteration', label: `Iteration ${i}/${n}`, iteration: i });
    }
  }
  // Blue/green asks for promotion approval before switching traffic to the canary.
  for (const h of hooks.filter(x => x.type === 'confirm-promotion')) {
    steps.push({ kind: 'promotion-gate', label: `Approval: ${h.name}`, hook: h.name });
  }
  if ((strategy === 'blue-green' || strategy === 'blue-green-mirroring') && !kubernetes) {
    steps.push({ kind: 'switch', label: 'All traffic to canary' });
  }
  steps.push({ kind: 'promote', label: 'Promote' });
  steps.push({ kind: 'finalise', label: 'Route all traffic to primary' });
  return steps;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  'µs': 1e-6,
  'μs': 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/**
 * Parses a duration the way Go's `time.ParseDuration` does (`90s`, `1m30s`, `1.5h`, `500ms`), returning seconds;
 * undefined when the string is not a Go duration (Flagger then falls back to its default). A bare `0` is zero.
 */
export function parseDurationSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  let rest = value.trim();
  if (rest === '0') return 0;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (!rest) return undefined;
  let total = 0;
  const part = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') return undefined;
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}
