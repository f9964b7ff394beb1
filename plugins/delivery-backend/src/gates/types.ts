import type { CanaryRef } from '@delivery/plugin-delivery-common';

/** The webhook types whose answer comes from the gate store. */
export const GATE_TYPES = ['confirm-rollout', 'confirm-traffic-increase', 'confirm-promotion', 'rollback'] as const;
export type GateType = (typeof GATE_TYPES)[number];

export function isGateType(value: string): value is GateType {
  return (GATE_TYPES as readonly string[]).includes(value);
}

export type GateDecision = 'approve' | 'reject';

/**
 * `pending`: not enough approvals yet; `open`: enough distinct approvers and no rejection; `rejected`: someone
 * rejected. For the `rollback` gate `open` means "a rollback was requested", like the load tester's rollback gate.
 */
export type GateState = 'pending' | 'open' | 'rejected';

export interface GateVote {
  actor: string;
  decision: GateDecision;
  comment?: string;
  time: string;
}

/** A gate of one canary run. */
export interface GateKey extends CanaryRef {
  runKey: string;
  type: GateType;
}

export interface GateRecord extends GateKey {
  requiredApprovals: number;
  state: GateState;
  votes: GateVote[];
  createdAt: string;
  updatedAt: string;
}

export interface VoteResult {
  gate: GateRecord;
  /** False when the same actor had already cast the same decision: nothing was written. */
  changed: boolean;
}

/**
 * Durable gates in the plugin database, shared by every backend replica. Unknown gates read as `pending` with no
 * votes: a gate is closed until someone approves it, as with Flagger's load tester.
 */
export interface GateStore {
  get(key: GateKey): Promise<GateRecord | undefined>;
  /** Records one actor's decision; the same decision twice is a no-op, a changed mind replaces the earlier vote. */
  vote(key: GateKey, vote: GateVote, requiredApprovals: number): Promise<VoteResult>;
  /** Every gate of one run, e.g. to show on the Delivery tab. */
  listRun(ref: CanaryRef, runKey: string): Promise<GateRecord[]>;
  /** Deletes gates last touched before `cutoff` (ISO time). */
  deleteOlderThan(cutoff: string): Promise<number>;
}
