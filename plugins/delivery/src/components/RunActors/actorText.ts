import { ActionRefusal, RunActor } from '@delivery/plugin-delivery-common';

const DONE: Record<string, string> = {
  approve: 'approved',
  reject: 'rejected',
  promote: 'asked to promote now',
  // Recorded by our reconciler when it carries out a promote-now or abort the person asked for.
  'promote-now': 'had the canary promoted now',
  abort: 'aborted',
  pause: 'paused',
  resume: 'resumed',
  retry: 'retried the failed run',
};

const ATTEMPTED: Record<string, string> = { promote: 'promote now', retry: 'retry' };

const REFUSAL: Record<ActionRefusal, string> = {
  forbidden: 'not permitted',
  conflict: 'the canary had moved on',
};

/** `user:default/ann` reads as `ann`; another namespace stays visible. */
export function personOf(ref: string): string {
  return ref.replace(/^user:/, '').replace(/^default\//, '');
}

const phaseName = (p: string) => p || 'not initialised';

/** "WaitingPromotion → Promoting, 50%" or "Progressing, 30%"; undefined for rows recorded without state. */
export function stateText(a: RunActor): string | undefined {
  if (a.phaseBefore === undefined) return undefined;
  const phases =
    a.phaseAfter !== undefined && a.phaseAfter !== a.phaseBefore
      ? `${phaseName(a.phaseBefore)} → ${phaseName(a.phaseAfter)}`
      : phaseName(a.phaseBefore);
  if (a.weightBefore === undefined) return phases;
  const weights =
    a.weightAfter !== undefined && a.weightAfter !== a.weightBefore
      ? `${a.weightBefore}% → ${a.weightAfter}%`
      : `${a.weightBefore}%`;
  return `${phases}, ${weights}`;
}

/**
 * One line of the run history for what a person did: "ann approved (WaitingPromotion → Promoting, 50%)", or for a
 * refused attempt "bob tried to abort (Progressing, 30%), refused: not permitted". The backend's refusal message is
 * addressed to the person who tried ("… not granted to you"), so it is left to a tooltip rather than the line.
 */
export function actorText(a: RunActor): string {
  const who = personOf(a.actor);
  const state = stateText(a);
  const at = state ? ` (${state})` : '';
  const comment = a.comment ? `: “${a.comment}”` : '';
  if (a.outcome === 'refused') {
    const why = a.refusal ? REFUSAL[a.refusal] : 'no reason recorded';
    return `${who} tried to ${ATTEMPTED[a.action] ?? a.action}${at}${comment}, refused: ${why}`;
  }
  return `${who} ${DONE[a.action] ?? `did ${a.action}`}${at}${comment}`;
}
