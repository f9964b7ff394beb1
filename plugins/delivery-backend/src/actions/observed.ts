import type { Canary, CanaryPhase } from '@delivery/plugin-delivery-common';

/** What the user saw when they pressed the button. */
export interface ObservedState {
  phase: CanaryPhase;
  resourceVersion: string;
  /** `status.lastAppliedSpec` they saw; lets progress of the same run (status writes every tick) pass. */
  revision?: string;
}

/**
 * Why the canary is no longer in the state the user acted on, or undefined when it still is. The phase must match;
 * a different resourceVersion is accepted only when the user also sent the revision and it is still the same run,
 * because Flagger rewrites the status on every tick and an exact match would refuse nearly every action on a
 * progressing canary.
 */
export function staleObservation(observed: ObservedState, live: Canary): string | undefined {
  const phase = live.status?.phase ?? '';
  if (phase !== observed.phase) {
    return `the canary is now ${phase || 'not initialised'}, you saw ${observed.phase || 'not initialised'}; reload and try again`;
  }
  const rv = live.metadata.resourceVersion;
  if (rv === observed.resourceVersion) return undefined;
  if (observed.revision !== undefined && observed.revision === (live.status?.lastAppliedSpec ?? '')) return undefined;
  return `the canary changed since you loaded it (resourceVersion ${observed.resourceVersion} → ${rv}); reload and try again`;
}
