import type { CanaryStatus } from '@delivery/plugin-delivery-common';
import { haveConfigsChanged } from '../configTracking';
import { canonicalJson, isOwnSpecHash } from '../hash';
import type { TickContext } from './context';

/**
 * Change detection (b.9, b.10) and the one-time adoption of hashes written by Flagger (a.2 migration rule).
 */

/** Target changed = hash differs from both lastAppliedSpec and lastPromotedSpec; no lastAppliedSpec = changed. */
export function hasTargetChanged(status: CanaryStatus, hash: string): boolean {
  if (!status.lastAppliedSpec) return true;
  if (status.lastPromotedSpec === hash) return false;
  return status.lastAppliedSpec !== hash;
}

/** A new revision: the template changed or a tracked ConfigMap/Secret changed. */
export function hasRevisionChanged(status: CanaryStatus, hash: string, trackedConfigs: Record<string, string>): boolean {
  return hasTargetChanged(status, hash) || haveConfigsChanged(status.trackedConfigs, trackedConfigs);
}

const IDLE = ['Initialized', 'Succeeded'];
const ACTIVE = ['Progressing', 'Waiting', 'WaitingPromotion', 'Promoting', 'Finalising'];

/**
 * A Flagger-written (foreign) lastAppliedSpec cannot be compared with our hashes, so it is replaced by the current
 * target hash once instead of being read as a change: idle canaries adopt it as applied and promoted, Failed ones
 * as applied only, and a run in progress continues without restarting (its promotion copies whatever the target
 * holds). Returns true when the status was rewritten.
 */
export function adoptForeignSpecHash(ctx: TickContext): boolean {
  const hash = ctx.specHash;
  const applied = ctx.status.lastAppliedSpec;
  if (!hash || !applied || isOwnSpecHash(applied)) return false;
  const phase = ctx.phase;
  let next: CanaryStatus | undefined;
  if (IDLE.includes(phase)) next = { ...ctx.status, lastAppliedSpec: hash, lastPromotedSpec: hash };
  else if (phase === 'Failed' || ACTIVE.includes(phase)) next = { ...ctx.status, lastAppliedSpec: hash };
  if (!next) return false;
  ctx.status = next;
  ctx.act({ type: 'patchStatus', status: structuredClone(next) });
  return true;
}

/**
 * Flagger's shouldAdvance (step 12). Runs in progress always advance. Idle canaries advance on a new revision.
 * A Failed canary first re-syncs lastAppliedSpec/trackedConfigs (so reverting to the promoted spec never starts a
 * run while re-applying the failed spec afterwards does), judged against the status from before the re-sync.
 */
export function shouldAdvance(ctx: TickContext): boolean {
  if (ACTIVE.includes(ctx.phase)) return true;
  const before = ctx.status;
  const changed = hasRevisionChanged(before, ctx.specHash!, ctx.trackedConfigs);
  if (ctx.phase === 'Failed') {
    const stale =
      before.lastAppliedSpec !== ctx.specHash ||
      canonicalJson(before.trackedConfigs ?? {}) !== canonicalJson(ctx.trackedConfigs);
    // Flagger rewrites status every Failed tick; we write only when something moved.
    if (stale) {
      ctx.syncStatus({
        phase: 'Failed',
        canaryWeight: before.canaryWeight,
        failedChecks: before.failedChecks,
        iterations: before.iterations,
      });
    }
  }
  return changed;
}
