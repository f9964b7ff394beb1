import type { Canary, CanaryAction, CanaryPhase } from '@delivery/plugin-delivery-common';
import { canaryKey, CanaryRef } from '@delivery/plugin-delivery-common';
import { gateHooks, waitingGateType } from '../gates/policy';
import { isGateUrl } from '../gates/resolver';
import type { GateRecord, GateType } from '../gates/types';

/** Every action route; the order is the order of the buttons. */
export const ACTION_IDS = ['approve', 'reject', 'promote', 'abort', 'pause', 'resume', 'retry'] as const;
export type ActionId = (typeof ACTION_IDS)[number];

/** Which permission each action needs. */
export const ACTION_PERMISSION: Record<ActionId, 'approve' | 'operate'> = {
  approve: 'approve',
  reject: 'approve',
  promote: 'operate',
  abort: 'operate',
  pause: 'operate',
  resume: 'operate',
  retry: 'operate',
};

export interface AvailabilityInput {
  ref: CanaryRef;
  canary: Canary;
  /** Who drives the cluster: our reconciler reads intents; upstream Flagger only sees gates and the spec. */
  controller: 'delivery' | 'flagger';
  /** Gates of the canary's current run, as stored. */
  gates: GateRecord[];
  user: string;
  may: { approve: boolean; operate: boolean };
}

/** One offered action, with what the route needs to perform it. */
export interface OfferedAction extends CanaryAction {
  id: ActionId;
  gateType?: GateType;
}

const ROLLBACK_PHASES: CanaryPhase[] = ['Progressing', 'WaitingPromotion'];
const GATE_LABEL: Record<GateType, string> = {
  'confirm-rollout': 'rollout',
  'confirm-traffic-increase': 'traffic increase',
  'confirm-promotion': 'promotion',
  rollback: 'rollback',
};

/** The gate types a canary in this phase is held at and that our store answers. */
function waitingGates(canary: Canary, phase: CanaryPhase): Array<{ type: GateType; hook: string }> {
  const hooks = gateHooks(canary, isGateUrl);
  const types: GateType[] = [];
  const waiting = waitingGateType(phase);
  if (waiting) types.push(waiting);
  // A traffic-increase gate halts inside Progressing without a phase of its own.
  if (phase === 'Progressing') types.push('confirm-traffic-increase');
  return types.flatMap(type => {
    const hook = hooks.get(type)?.[0];
    return hook ? [{ type, hook: hook.name }] : [];
  });
}

/** True when an abort can reach the controller: our reconciler reads the intent; Flagger needs a rollback hook on us. */
function canAbort(input: AvailabilityInput): boolean {
  if (input.controller === 'delivery') return true;
  return gateHooks(input.canary, isGateUrl).has('rollback');
}

/**
 * The actions this user can take on this canary now, filtered by permission, phase and what the cluster's
 * controller can act on. Pure: the routes call it again when an action arrives, so a button the backend would
 * refuse is never shown and an action not shown is never performed.
 */
export function availableActions(input: AvailabilityInput): OfferedAction[] {
  const { canary, may, ref } = input;
  const phase = (canary.status?.phase ?? '') as CanaryPhase;
  const key = canaryKey(ref);
  const out: OfferedAction[] = [];

  if (may.approve) {
    for (const { type, hook } of waitingGates(canary, phase)) {
      const gate = input.gates.find(g => g.type === type);
      if (gate?.state === 'open' || gate?.state === 'rejected') continue;
      const approvals = new Set(gate?.votes.filter(v => v.decision === 'approve').map(v => v.actor));
      const required = gate?.requiredApprovals;
      const progress = required && required > 1 ? ` (${approvals.size} of ${required} approvals so far)` : '';
      if (!approvals.has(input.user)) {
        out.push({
          id: 'approve',
          label: `Approve ${GATE_LABEL[type]}`,
          gate: hook,
          gateType: type,
          confirm: `Approve the ${GATE_LABEL[type]} of ${key}${progress}?`,
        });
      }
      // Rejecting mid-run rolls back only where the controller can hear it (see canAbort).
      const rollsBack = type !== 'confirm-rollout' && canAbort(input);
      let rejectConfirm = `Reject the ${GATE_LABEL[type]} of ${key}? It stays halted: add a rollback webhook on this backend to roll back automatically.`;
      if (rollsBack) rejectConfirm = `Reject the ${GATE_LABEL[type]} of ${key}? The canary is rolled back.`;
      else if (type === 'confirm-rollout') {
        rejectConfirm = `Reject the rollout of ${key}? It stays waiting until a new revision is deployed.`;
      }
      out.push({
        id: 'reject',
        label: `Reject ${GATE_LABEL[type]}`,
        gate: hook,
        gateType: type,
        destructive: true,
        confirm: rejectConfirm,
      });
    }
  }

  if (may.operate) {
    if (input.controller === 'delivery' && ROLLBACK_PHASES.includes(phase)) {
      out.push({
        id: 'promote',
        label: 'Promote now',
        confirm: `Skip the remaining steps and gates and promote ${key} now?`,
      });
    }
    if (ROLLBACK_PHASES.includes(phase) && canAbort(input)) {
      out.push({
        id: 'abort',
        label: 'Abort',
        destructive: true,
        confirm: `Abort the rollout of ${key} and route all traffic back to the primary?`,
      });
    }
    if (phase !== 'Terminating') {
      out.push(
        canary.spec?.suspend
          ? { id: 'resume', label: 'Resume', confirm: `Resume ${key} from where it was paused?` }
          : { id: 'pause', label: 'Pause', confirm: `Pause ${key}? Traffic stays where it is until resumed.` },
      );
    }
    if (phase === 'Failed') {
      out.push({
        id: 'retry',
        label: 'Retry',
        confirm: `Start a new run of the same revision of ${key}?`,
      });
    }
  }
  return out;
}

/** Finds the offered action a request names; for gate actions the gate (webhook name) must match too. */
export function findOffered(offered: OfferedAction[], id: ActionId, gate?: string): OfferedAction | undefined {
  return offered.find(a => a.id === id && (a.gate === undefined || gate === undefined || a.gate === gate));
}
