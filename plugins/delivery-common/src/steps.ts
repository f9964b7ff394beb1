import { CanaryAnalysis, CanarySpec, effectiveAnalysis } from './types/canary';

/** How a canary shifts traffic; decided from the analysis block exactly as Flagger does. */
export type DeliveryStrategy = 'canary' | 'ab-testing' | 'blue-green' | 'blue-green-mirroring' | 'canary-mirroring';

export function strategyOf(spec: CanarySpec): DeliveryStrategy {
  const analysis = effectiveAnalysis(spec) ?? {};
  const iterations = analysis.iterations ?? 0;
  if (iterations > 0 && (analysis.match?.length ?? 0) > 0 && spec.provider !== 'kubernetes') {
    return 'ab-testing';
  }
  if (iterations > 0 || spec.provider === 'kubernetes') {
    return analysis.mirror && spec.provider !== 'kubernetes' ? 'blue-green-mirroring' : 'blue-green';
  }
  return analysis.mirror ? 'canary-mirroring' : 'canary';
}

/** True when no analysis runs: `skipAnalysis`, or no analysis block at all. */
export function isAnalysisSkipped(spec: CanarySpec): boolean {
  return Boolean(spec.skipAnalysis) || effectiveAnalysis(spec) === undefined;
}

/**
 * Highest canary weight before promotion. `maxWeight` is ignored when `stepWeights` is set (then the last step,
 * capped at 100, is the maximum).
 */
export function maxWeightOf(analysis: CanaryAnalysis): number {
  const steps = analysis.stepWeights ?? [];
  if (!(analysis.stepWeight && analysis.stepWeight > 0) && steps.length > 0) {
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
export function plannedSteps(spec: CanarySpec): PlannedStep[] {
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
  const strategy = strategyOf(spec);
  if (strategy === 'canary' || strategy === 'canary-mirroring') {
    if (strategy === 'canary-mirroring') steps.push({ kind: 'weight', label: 'Mirror', weight: 0 });
    for (const w of plannedWeights(analysis)) {
      steps.push({ kind: 'weight', label: `${w}%`, weight: w });
    }
  } else {
    const n = Math.max(1, analysis.iterations ?? 10);
    for (let i = 1; i <= n; i++) {
      steps.push({ kind: 'iteration', label: `Iteration ${i}/${n}`, iteration: i });
    }
    if (strategy === 'blue-green' || strategy === 'blue-green-mirroring') {
      if (spec.provider !== 'kubernetes') steps.push({ kind: 'switch', label: 'All traffic to canary' });
    }
  }
  for (const h of hooks.filter(x => x.type === 'confirm-promotion')) {
    steps.push({ kind: 'promotion-gate', label: `Approval: ${h.name}`, hook: h.name });
  }
  steps.push({ kind: 'promote', label: 'Promote' });
  steps.push({ kind: 'finalise', label: 'Route all traffic to primary' });
  return steps;
}

/** Parses Flagger's `^[0-9]+(m|s)` durations; undefined when the string does not match. */
export function parseDurationSeconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^([0-9]+)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'ms':
      return n / 1000;
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    default:
      return n;
  }
}
