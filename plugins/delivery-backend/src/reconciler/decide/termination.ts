import type { Canary } from '@delivery/plugin-delivery-common';
import { selectorLabelOf } from '../bootstrap';
import { texts } from '../events';
import { canonicalJson } from '../hash';
import { canaryReadiness } from '../readiness';
import type { ServiceObject, TickPlan } from '../types';
import { scaleTargetUp } from './autoscaling';
import type { TickContext } from './context';
import { isScaledToZero, scaleUpReplicas } from './initialize';
import { progressDeadlineSeconds, readyThresholds } from './settings';

/**
 * `revertOnDeletion` (b.11): the finalizer that keeps a deleted Canary around until the target serves again, and
 * the revert itself. Every step is decided from what the cluster shows (phase Terminating and its
 * lastTransitionTime, the target's replicas and rollout), so a restarted reconciler picks the revert up where it
 * was; each write is idempotent.
 */

export const FINALIZER = 'finalizer.flagger.app';
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Flagger waits for the target with a 3 s backoff doubling per step, each step capped at the interval. */
const READINESS_BACKOFF_MS = [3000, 6000, 12000];

export function hasFinalizer(canary: Canary): boolean {
  return canary.metadata.finalizers?.includes(FINALIZER) ?? false;
}

/** Adds the finalizer while `spec.revertOnDeletion` is true and removes it once it is not. */
export function syncFinalizer(ctx: TickContext): void {
  const wanted = Boolean(ctx.canary.spec.revertOnDeletion);
  if (hasFinalizer(ctx.canary) !== wanted) ctx.act({ type: 'setFinalizer', present: wanted });
}

const ownedBy = (svc: ServiceObject, canary: Canary) =>
  svc.metadata.ownerReferences?.some(o => o.kind === 'Canary' && o.name === canary.metadata.name) ?? false;

/** Offsets from the start of Terminating at which the target's readiness is looked at again. */
export function readinessChecks(intervalMs: number): number[] {
  let at = 0;
  return READINESS_BACKOFF_MS.map(step => (at += Math.min(step, intervalMs)));
}

/**
 * One tick of a Canary being deleted with the finalizer: Terminating, target back to the primary's replicas, a
 * bounded wait for the target (not ready in time → revert anyway, as Flagger does), apex Service and router
 * reverted, finalizer removed.
 */
export function terminate(ctx: TickContext): TickPlan {
  const target = ctx.obs.target;
  ctx.target = target;
  const entering = ctx.phase !== 'Terminating';
  const checks = readinessChecks(ctx.intervalMs);
  // The event and the scale come before the status write: a reconciler that dies in between repeats them (the
  // scale is idempotent, the Event aggregated) rather than skipping them.
  if (entering) ctx.normal(texts.terminating(ctx.ids));

  // Re-scaling only a target still at zero leaves the target's own HPA in charge once it runs again. A target found
  // back at zero while Terminating restarts the wait from now (lastTransitionTime is the wait's clock), or a
  // reconciler that was down for long would revert without waiting at all.
  if (target && (entering || isScaledToZero(target))) {
    scaleTargetUp(ctx, revertReplicas(ctx));
    ctx.setPhase('Terminating', entering ? 'canary deleted' : 'target found at zero, scaled up again');
    return ctx.plan('terminating', new Date(ctx.now.getTime() + checks[0]).toISOString());
  }
  if (entering) ctx.setPhase('Terminating', 'canary deleted');
  const started = entering ? ctx.now.getTime() : Date.parse(ctx.status.lastTransitionTime ?? '') || 0;
  const elapsed = ctx.now.getTime() - started;

  if (target) {
    const ready = canaryReadiness(target, {
      readyThreshold: readyThresholds(ctx.analysis).canary,
      progressDeadlineSeconds: progressDeadlineSeconds(ctx.canary.spec),
      now: ctx.now,
      namespace: ctx.ids.namespace,
      canaryLastTransitionTime: ctx.status.lastTransitionTime,
    });
    const next = checks.find(at => at > elapsed);
    if (!ready.ready && ready.retriable && next !== undefined) {
      return ctx.plan('terminating', new Date(started + next).toISOString());
    }
    if (!ready.ready) ctx.warning(`${ready.message}; reverting ${ctx.ids.name}.${ctx.ids.namespace} anyway`);
  } else {
    ctx.warning(texts.targetNotFound(ctx.kind, ctx.ids, `${ctx.kind.toLowerCase()}s.apps "${ctx.ids.target}" not found`));
  }

  const apex = ctx.obs.services.apex;
  if (apex && !ownedBy(apex, ctx.canary)) {
    ctx.act({ type: 'revertService', name: apex.metadata.name, selector: targetSelector(ctx) });
  }
  ctx.act({ type: 'finalizeRouter' });
  ctx.act({ type: 'setFinalizer', present: false });
  ctx.normal(texts.terminated(ctx.ids));
  return ctx.plan('terminating');
}

/** The primary's replicas; without a primary (or at zero) the target scales up as it would for a run. */
function revertReplicas(ctx: TickContext): number {
  const primary = ctx.obs.primary?.spec.replicas;
  if (ctx.obs.primary?.kind === 'Deployment' && primary !== undefined && primary > 0) return primary;
  return scaleUpReplicas(ctx);
}

/**
 * A pre-existing apex Service the Canary took over, selecting the target's pods again: the selector from kubectl's
 * last-applied configuration, else `fallback` (`<label>: <value>` of the target). Undefined when nothing changes or
 * the Canary owns the Service (the garbage collector removes it). Applied to the live object: the watch cache
 * drops the last-applied annotation.
 */
export function revertedService(
  current: ServiceObject | undefined,
  canary: Canary,
  fallback: Record<string, string> | undefined,
): ServiceObject | undefined {
  if (!current || ownedBy(current, canary)) return undefined;
  const selector = lastAppliedSelector(current) ?? fallback;
  if (!selector || canonicalJson(selector) === canonicalJson(current.spec.selector ?? {})) return undefined;
  return { ...current, spec: { ...current.spec, selector } };
}

function targetSelector(ctx: TickContext): Record<string, string> | undefined {
  const sel = ctx.obs.target && selectorLabelOf(ctx.obs.target, ctx.settings.selectorLabels);
  return sel ? { [sel.label]: sel.value } : undefined;
}

function lastAppliedSelector(svc: ServiceObject): Record<string, string> | undefined {
  const raw = svc.metadata.annotations?.[LAST_APPLIED];
  if (!raw) return undefined;
  try {
    const selector = (JSON.parse(raw) as { spec?: { selector?: unknown } }).spec?.selector;
    if (selector && typeof selector === 'object' && Object.keys(selector).length) {
      return selector as Record<string, string>;
    }
  } catch {
    // An unreadable annotation is treated as absent: the target's selector label is the fallback.
  }
  return undefined;
}
