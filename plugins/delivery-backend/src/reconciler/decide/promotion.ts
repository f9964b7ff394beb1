import { primaryConfigCopies, promotedPrimary } from '../bootstrap';
import { alertTexts, texts } from '../events';
import type { Routes } from '../types';
import { reconcilePrimaryAutoscaler, scaleTargetDown } from './autoscaling';
import type { TickContext } from './context';

/** Promotion (b.4), finalising, and the skipAnalysis shortcut (b.8). */

/**
 * Copies the target's template (and tracked configs) to the primary. False when the primary is missing, which
 * Flagger reports as a failed GET and retries next tick.
 */
export function promote(ctx: TickContext): boolean {
  const { target, selector, obs } = ctx;
  if (!obs.primary || !target || !selector) {
    const primary = `${ctx.ids.target}-primary`;
    const id = `${primary}.${ctx.ids.namespace}`;
    ctx.warning(
      `updating deployment ${id} template spec failed: deployment ${id} get query error: ` +
        `deployments.apps "${primary}" not found`,
    );
    return false;
  }
  for (const object of primaryConfigCopies(ctx.canary, ctx.tracked, ctx.settings.includeLabelPrefix)) {
    ctx.act({ type: 'applyConfig', object });
  }
  ctx.act({
    type: 'promotePrimary',
    workload: promotedPrimary({
      canary: ctx.canary,
      target,
      primary: obs.primary,
      selector,
      tracked: ctx.tracked,
      selectorLabels: ctx.settings.selectorLabels,
      includeLabelPrefix: ctx.settings.includeLabelPrefix,
      flaggerId: ctx.settings.newId(),
    }),
  });
  return true;
}

/** "Copying … template spec to …-primary", promote, phase Promoting. */
export function startPromotion(ctx: TickContext): void {
  ctx.normal(texts.copying(ctx.ids));
  if (!promote(ctx)) return;
  ctx.setPhase('Promoting');
}

/**
 * Promoting, once the primary rolled out: the primary HPA takes the target HPA's settings (the only time it
 * follows them), then traffic goes back to the primary in one step, or in
 * `stepWeightPromotion` steps, then Finalising. With the kubernetes provider there is nothing to route.
 */
export function promotionTrafficShift(ctx: TickContext, routes: Routes): void {
  if (!reconcilePrimaryAutoscaler(ctx, true)) return;
  if (ctx.obs.provider === 'kubernetes') {
    ctx.setPhase('Finalising');
    return;
  }
  const step = ctx.analysis.stepWeightPromotion ?? 0;
  if (step <= 0) {
    ctx.normal(texts.routingToPrimary());
    ctx.setRoutes(100, 0, false);
    ctx.setPhase('Finalising');
    return;
  }
  if (routes.canary <= 0) {
    // Flagger stops here forever; nothing is routed to the canary, so finalise instead (mirroring off).
    if (routes.mirrored || routes.primary !== 100) ctx.setRoutes(100, 0, false);
    ctx.setPhase('Finalising');
    return;
  }
  const primary = Math.min(100, routes.primary + step);
  const canary = Math.max(0, routes.canary - step);
  ctx.setRoutes(primary, canary, false);
  ctx.normal(texts.advancePrimaryWeight(ctx.ids, primary));
  if (primary === 100) ctx.setPhase('Finalising');
  else ctx.setWeight(canary);
}

/** Finalising: scale the canary down and finish the run. */
export function finalise(ctx: TickContext): void {
  scaleTargetDown(ctx);
  ctx.setPhase('Succeeded');
  ctx.act({ type: 'runPostRolloutHooks', phase: 'Succeeded' });
  ctx.normal(texts.promotionCompleted(ctx.ids));
  ctx.alert('info', alertTexts.succeeded());
}

/** skipAnalysis: promote without analysis and without waiting for the primary rollout. */
export function promoteWithoutAnalysis(ctx: TickContext): void {
  ctx.setRoutes(100, 0, false);
  ctx.normal(texts.copying(ctx.ids));
  if (!promote(ctx) || !reconcilePrimaryAutoscaler(ctx, true)) return;
  scaleTargetDown(ctx);
  ctx.setPhase('Succeeded');
  ctx.act({ type: 'runPostRolloutHooks', phase: 'Succeeded' });
  ctx.normal(texts.promotionSkipped(ctx.ids));
  ctx.alert('info', alertTexts.skipped());
}
