import {
  Canary,
  CanaryPhase,
  CanaryWebhook,
  DELIVERY_REQUIRED_APPROVALS_ANNOTATION,
  effectiveAnalysis,
} from '@delivery/plugin-delivery-common';
import { GateDecision, GateState, GateType, GateVote, isGateType } from './types';

/**
 * Pure gate rules: which run a gate belongs to, how many approvers it needs, and what its votes add up to.
 */

/** Upper bound on required approvals, so a typo (`20` for `2`) cannot lock a gate forever. */
export const MAX_REQUIRED_APPROVALS = 10;

const IN_RUN: CanaryPhase[] = ['Progressing', 'WaitingPromotion', 'Promoting', 'Finalising'];

/**
 * Identifies the run a gate decision applies to, from the Canary alone (both Flagger and our reconciler keep
 * `status.lastAppliedSpec` the same way). Inside a run it is that run's revision; before a run starts (Waiting at
 * confirm-rollout, or idle) the revision is not in the status yet, so the key names the run *after* the last
 * applied one. A new revision therefore starts with fresh, closed gates.
 */
export function runKeyOf(canary: Pick<Canary, 'status'>): string {
  const phase = canary.status?.phase ?? '';
  const applied = canary.status?.lastAppliedSpec ?? '';
  return IN_RUN.includes(phase) ? `run:${applied}` : `next:${applied}`;
}

/**
 * Distinct approvers a gate needs: the Canary's annotation wins over the entity's, which wins over config.
 * Invalid values are reported, not ignored, because a silently lowered bar is worse than a refused action.
 */
export function requiredApprovals(options: {
  canaryAnnotations?: Record<string, string>;
  entityAnnotations?: Record<string, string>;
  defaultRequired: number;
}): number {
  for (const [where, annotations] of [
    ['Canary', options.canaryAnnotations],
    ['entity', options.entityAnnotations],
  ] as const) {
    const raw = annotations?.[DELIVERY_REQUIRED_APPROVALS_ANNOTATION];
    if (raw === undefined) continue;
    const n = Number(raw.trim());
    if (!Number.isInteger(n) || n < 1 || n > MAX_REQUIRED_APPROVALS) {
      throw new Error(
        `${where} annotation ${DELIVERY_REQUIRED_APPROVALS_ANNOTATION}="${raw}" is invalid: use a whole number from 1 to ${MAX_REQUIRED_APPROVALS}`,
      );
    }
    return n;
  }
  return Math.min(MAX_REQUIRED_APPROVALS, Math.max(1, Math.floor(options.defaultRequired)));
}

/** What the votes add up to: one rejection closes the gate for good; otherwise enough distinct approvers open it. */
export function gateState(votes: Array<Pick<GateVote, 'actor' | 'decision'>>, required: number): GateState {
  if (votes.some(v => v.decision === 'reject')) return 'rejected';
  const approvers = new Set(votes.filter(v => v.decision === 'approve').map(v => v.actor));
  return approvers.size >= required ? 'open' : 'pending';
}

/** Applies one vote to a list of votes; `changed` is false when the actor had already voted the same way. */
export function applyVote(votes: GateVote[], vote: GateVote): { votes: GateVote[]; changed: boolean } {
  const previous = votes.find(v => v.actor === vote.actor);
  if (previous?.decision === vote.decision) return { votes, changed: false };
  return { votes: [...votes.filter(v => v.actor !== vote.actor), vote], changed: true };
}

/** The gate a phase is waiting at, if any (traffic-increase gates halt inside Progressing). */
export function waitingGateType(phase: CanaryPhase | undefined): GateType | undefined {
  if (phase === 'Waiting') return 'confirm-rollout';
  if (phase === 'WaitingPromotion') return 'confirm-promotion';
  return undefined;
}

/** The Canary's webhooks that our gate store answers, by type. */
export function gateHooks(canary: Canary, handles: (url: string) => boolean): Map<GateType, CanaryWebhook[]> {
  const out = new Map<GateType, CanaryWebhook[]>();
  const analysis = canary.spec ? effectiveAnalysis(canary.spec) : undefined;
  for (const hook of analysis?.webhooks ?? []) {
    const type = hook.type || 'rollout';
    if (!isGateType(type) || !handles(hook.url)) continue;
    out.set(type, [...(out.get(type) ?? []), hook]);
  }
  return out;
}

export const decisionVerb = (d: GateDecision) => (d === 'approve' ? 'approved' : 'rejected');
