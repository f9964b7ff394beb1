import type { CanaryCondition, CanaryPhase } from '@delivery/plugin-delivery-common';

/**
 * The `Promoted` condition Flagger keeps on every Canary (a.2), plus our `Valid` condition that names a spec
 * field the controller refuses to run (e.g. mirroring on a router that cannot mirror).
 */

export const PROMOTED = 'Promoted';
export const VALID = 'Valid';

export function promotedFor(
  phase: CanaryPhase,
  kind: string,
): Pick<CanaryCondition, 'status' | 'message'> {
  switch (phase) {
    case 'Initialized':
      return { status: 'True', message: `${kind} initialization completed.` };
    case 'Waiting':
    case 'WaitingPromotion':
      return { status: 'Unknown', message: 'Waiting for approval.' };
    case 'Progressing':
      return { status: 'Unknown', message: 'New revision detected, progressing canary analysis.' };
    case 'Promoting':
      return { status: 'Unknown', message: 'Canary analysis completed, starting primary rolling update.' };
    case 'Finalising':
      return { status: 'Unknown', message: 'Canary analysis completed, routing all traffic to primary.' };
    case 'Succeeded':
      return { status: 'True', message: 'Canary analysis completed successfully, promotion finished.' };
    case 'Failed':
      return { status: 'False', message: `Canary analysis failed, ${kind} scaled to zero.` };
    default:
      return { status: 'Unknown', message: `New ${kind} detected, starting initialization.` };
  }
}

/**
 * The conditions after entering `phase`, or undefined when they stay as they are. Like Flagger, the Promoted
 * condition is left untouched when status and reason are unchanged, and keeps its lastTransitionTime when only
 * the reason changes. Other condition types are carried over.
 */
export function conditionsForPhase(
  current: CanaryCondition[] | undefined,
  phase: CanaryPhase,
  kind: string,
  now: string,
): CanaryCondition[] | undefined {
  const existing = current?.find(c => c.type === PROMOTED);
  const { status, message } = promotedFor(phase, kind);
  if (existing && existing.status === status && existing.reason === phase) return undefined;
  const next: CanaryCondition = {
    type: PROMOTED,
    status,
    lastUpdateTime: now,
    lastTransitionTime: existing && existing.status === status ? existing.lastTransitionTime : now,
    reason: phase,
    message,
  };
  return [next, ...(current ?? []).filter(c => c.type !== PROMOTED)];
}

/**
 * Sets (message given) or clears (message undefined) the `Valid=False` condition; undefined when unchanged.
 */
export function withInvalidSpec(
  current: CanaryCondition[] | undefined,
  invalid: { reason: string; message: string } | undefined,
  now: string,
): CanaryCondition[] | undefined {
  const existing = current?.find(c => c.type === VALID);
  const others = (current ?? []).filter(c => c.type !== VALID);
  if (!invalid) return existing ? others : undefined;
  if (existing && existing.status === 'False' && existing.message === invalid.message) return undefined;
  return [
    ...others,
    {
      type: VALID,
      status: 'False',
      reason: invalid.reason,
      message: invalid.message,
      lastUpdateTime: now,
      lastTransitionTime: existing?.status === 'False' ? existing.lastTransitionTime : now,
    },
  ];
}
