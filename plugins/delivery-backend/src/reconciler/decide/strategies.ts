import { CanaryAnalysis, maxWeightOf, nextStepSize } from '@delivery/plugin-delivery-common';
import { texts } from '../events';
import type { Routes } from '../types';
import type { TickContext } from './context';
import { confirmPromotion, confirmTrafficIncrease } from './hooks';
import { startPromotion } from './promotion';

/** Step 24: one step of the canary (b.3.1), A/B (b.3.2) or blue/green (b.3.3) strategy. */

/** Progressive weights; the last step may overshoot maxWeight, then promotion starts on the next tick. */
export async function canaryStep(ctx: TickContext, analysis: CanaryAnalysis, routes: Routes): Promise<void> {
  const w = routes.canary;
  const step = nextStepSize(analysis, w);
  if (step <= 0) return;
  const gated = !routes.mirrored && ctx.phase !== 'WaitingPromotion' && ctx.phase !== 'Promoting';
  if (gated && !(await confirmTrafficIncrease(ctx))) return;

  if (w < maxWeightOf(analysis)) {
    let primary: number;
    let canary: number;
    let mirrored = routes.mirrored;
    if (analysis.mirror && w === 0) {
      // One mirror-only step before any live traffic reaches the canary.
      mirrored = !routes.mirrored;
      primary = mirrored ? 100 : 100 - step;
      canary = mirrored ? 0 : step;
    } else {
      primary = Math.max(0, routes.primary - step);
      canary = Math.min(100, w + step);
    }
    ctx.setRoutes(primary, canary, mirrored);
    ctx.setWeight(canary);
    ctx.normal(texts.advanceWeight(ctx.ids, canary));
    return;
  }

  if (!(await confirmPromotion(ctx, analysis))) return;
  startPromotion(ctx);
}

/** A/B: the matched traffic goes to the canary for N iterations, then promotion. */
export async function abTestingStep(ctx: TickContext, analysis: CanaryAnalysis): Promise<void> {
  const total = analysis.iterations ?? 0;
  const done = ctx.status.iterations ?? 0;
  if (total > done) {
    ctx.setRoutes(0, 100, false);
    ctx.setIterations(done + 1);
    ctx.normal(texts.advanceIteration(ctx.ids, done + 1, total));
    return;
  }
  if (!(await confirmPromotion(ctx, analysis))) return;
  if (total === done) startPromotion(ctx);
}

/**
 * Blue/green: N iterations against the idle canary (mirrored when asked and possible), one more with all traffic
 * on the canary, then promotion. The kubernetes provider never writes routes.
 */
export async function blueGreenStep(ctx: TickContext, analysis: CanaryAnalysis, routes: Routes): Promise<void> {
  const kubernetes = ctx.obs.provider === 'kubernetes';
  const total = analysis.iterations ?? 0;
  const done = ctx.status.iterations ?? 0;
  if (total > done) {
    if (!kubernetes && analysis.mirror && !routes.mirrored) ctx.setRoutes(100, 0, true);
    ctx.setIterations(done + 1);
    ctx.normal(texts.advanceIteration(ctx.ids, done + 1, total));
    return;
  }
  if (!(await confirmPromotion(ctx, analysis))) return;
  if (total === done) {
    if (!kubernetes) {
      ctx.normal(analysis.mirror ? texts.stopMirroring() : texts.routingToCanary());
      ctx.setRoutes(0, 100, false);
    }
    ctx.setIterations(done + 1);
    return;
  }
  startPromotion(ctx);
}
