import { desiredPrimaryAutoscaler, primaryAutoscalerMatches } from '../autoscaler';
import type { TickContext } from './context';

/**
 * Step 7 and the promotion half of the primary autoscaler: `<hpa>-primary` is created whenever it is missing and
 * brought in line with the target HPA only when `update` is set (promotion and skipAnalysis), so editing the target
 * HPA changes the primary's scaling with the next promotion, not mid-analysis. False ends the tick: the target HPA
 * is missing (Warning, retried next tick, like Flagger's failed GET).
 */
export function reconcilePrimaryAutoscaler(ctx: TickContext, update: boolean): boolean {
  const ref = ctx.canary.spec.autoscalerRef;
  if (!ref) return true;
  const target = ctx.obs.autoscaler;
  if (!target) {
    ctx.warning(
      `HorizontalPodAutoscaler ${ref.name}.${ctx.ids.namespace} get query error: ` +
        `horizontalpodautoscalers.autoscaling "${ref.name}" not found`,
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
