import { CanarySummary, DeliveryStrategy } from '@delivery/plugin-delivery-common';

export type StrategyKind = DeliveryStrategy | 'no-analysis';

const LABELS: Record<StrategyKind, string> = {
  canary: 'Canary',
  'canary-mirroring': 'Canary with mirroring',
  'ab-testing': 'A/B testing',
  'blue-green': 'Blue/green',
  'blue-green-mirroring': 'Blue/green with mirroring',
  'no-analysis': 'No analysis',
};

/** A canary without analysis is promoted straight away, whatever its strategy: that is what the user must see. */
export function strategyKind(c: Pick<CanarySummary, 'strategy' | 'analysisSkipped'>): StrategyKind {
  return c.analysisSkipped ? 'no-analysis' : c.strategy;
}

export function strategyLabel(kind: StrategyKind): string {
  return LABELS[kind];
}

/** True when progress is counted in iterations (A/B, blue/green) rather than canary weight. */
export function usesIterations(strategy: DeliveryStrategy): boolean {
  return strategy === 'ab-testing' || strategy === 'blue-green' || strategy === 'blue-green-mirroring';
}

/** Promoting and Finalising: the analysis is over, so the iteration counter (N+1 after a blue/green switch) is moot. */
export function isPromoting(c: Pick<CanarySummary, 'phase'>): boolean {
  return c.phase === 'Promoting' || c.phase === 'Finalising';
}

/**
 * "30% (max 50%)", "iteration 4 of 10", "promoting the canary", or undefined when no run is active. The maximum is
 * named as such: "30% of 50%" read as a share of a share. Flagger counts one iteration past the last for the
 * blue/green switch, so the count is capped at the total rather than read "iteration 3 of 2".
 */
export function progressText(c: CanarySummary): string | undefined {
  if (isPromoting(c)) {
    // With stepWeightPromotion the canary's share shrinks step by step while the primary rolls out.
    return !usesIterations(c.strategy) && c.phase === 'Promoting' && c.canaryWeight > 0
      ? `promoting: ${c.canaryWeight}% still on the canary`
      : 'promoting the canary';
  }
  if (!['Progressing', 'WaitingPromotion', 'Waiting'].includes(c.phase)) return undefined;
  if (usesIterations(c.strategy)) {
    const total = c.totalIterations;
    if (!total) return `iteration ${c.iterations}`;
    return c.iterations > total ? `all ${total} iterations done` : `iteration ${c.iterations} of ${total}`;
  }
  return c.maxWeight ? `${c.canaryWeight}% (max ${c.maxWeight}%)` : `${c.canaryWeight}%`;
}

/** Where traffic is when no run is active, said for the phase rather than a bare "idle" next to a Failed chip. */
export function restingText(c: Pick<CanarySummary, 'phase'>): string {
  switch (c.phase) {
    case 'Succeeded':
      return 'promoted: all traffic on the primary';
    case 'Failed':
      return 'rolled back: all traffic on the primary';
    case 'Initializing':
      return 'creating the primary';
    case 'Promoting':
    case 'Finalising':
      return 'promoting the canary';
    default:
      return 'no rollout in progress';
  }
}
