import {
  desiredPrimaryAutoscaler,
  isScalerPaused,
  PAUSED_REPLICAS,
  primaryAutoscalerMatches,
  SCALED_OBJECT_KIND,
} from '../autoscaler';
import type { TickContext } from './context';

/**
 * Step 7 and the promotion half of the primary autoscaler: `<hpa>-primary` / `<so>-primary` is created whenever it
 * is missing and brought in line with the target's autoscaler only when `update` is set (promotion and
 * skipAnalysis), so editing the target's autoscaler changes the primary's scaling with the next promotion, not
 * mid-analysis. False ends the tick: the target's autoscaler is missing (Warning, retried next tick, like
 * Flagger's failed GET).
 */
export function reconcilePrimaryAutoscaler(ctx: TickContext, update: boolean): boolean {
  const ref = ctx.canary.spec.autoscalerRef;
  if (!ref) return true;
  const target = ctx.obs.autoscaler;
  if (!target) {
    const id = `${ref.name}.${ctx.ids.namespace}`;
    ctx.warning(
      ref.kind === SCALED_OBJECT_KIND
        ? `Keda ScaledObject ${id} get query error: scaledobjects.keda.sh "${ref.name}" not found`
        : `HorizontalPodAutoscaler ${id} get query error: horizontalpodautoscalers.autoscaling "${ref.name}" not found`,
    );
    return false;
  }
  const desired = desiredPrimaryAutoscaler(ctx.canary, target);
  const live = ctx.obs.primaryAutoscaler;
  if (!live || (update && !primaryAutoscalerMatches(live, desired))) {
    ctx.act({ type: 'applyAutoscaler', autoscaler: desired });
  }
  return true;
}

/**
 * KEDA only: the target ScaledObject is paused at 0 replicas whenever the target is scaled to zero (KEDA would scale
 * it back up otherwise) and resumed whenever it is scaled up. Nothing to do for an HPA, which leaves a target at
 * zero replicas alone.
 */
export function pauseTargetScaler(ctx: TickContext): void {
  const so = ctx.obs.autoscaler;
  if (so?.kind === SCALED_OBJECT_KIND && !isScalerPaused(so)) ctx.act({ type: 'setScalerPaused', paused: true });
}

export function resumeTargetScaler(ctx: TickContext): void {
  const so = ctx.obs.autoscaler;
  if (so?.kind === SCALED_OBJECT_KIND && so.metadata.annotations?.[PAUSED_REPLICAS] !== undefined) {
    ctx.act({ type: 'setScalerPaused', paused: false });
  }
}

/** The target to zero, its ScaledObject paused first (Finalising, rollback, skipAnalysis). */
export function scaleTargetDown(ctx: TickContext): void {
  pauseTargetScaler(ctx);
  ctx.act({ type: 'scaleTarget', replicas: 0 });
}

/** The target up, its ScaledObject resumed first (a run starts, a deleted canary is reverted). */
export function scaleTargetUp(ctx: TickContext, replicas: number): void {
  resumeTargetScaler(ctx);
  ctx.act({ type: 'scaleTarget', replicas });
}
