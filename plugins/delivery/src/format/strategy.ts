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

/**
 * "30% (max 50%)", "iteration 4 of 10", or undefined when no run is active. The maximum is named as such: "30% of
 * 50%" read as a share of a share.
 */
export function progressText(c: CanarySummary): string | undefined {
  if (!['Progressing', 'WaitingPromotion', 'Promoting', 'Waiting'].includes(c.phase)) return undefined;
  if (usesIterations(c.strategy)) {
    return c.totalIterations ? `iteration ${c.iterations} of ${c.totalIterations}` : `iteration ${c.iterations}`;
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
