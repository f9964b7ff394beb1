import { alertTexts, texts } from '../events';
import { scaleTargetDown } from './autoscaling';
import type { TickContext } from './context';
import { analysisThreshold } from './settings';

/** Rollback (b.5) and failed promotion (b.6). Both end the run as Failed and run the post-rollout hooks. */

/**
 * Routes everything back to the primary, scales the canary down and marks the run Failed. status.failedChecks is
 * reset to 0 as Flagger does; the real count travels in the phase transition for the history.
 */
export function rollback(ctx: TickContext, reason: string): void {
  const failed = ctx.status.failedChecks ?? 0;
  if (failed >= analysisThreshold(ctx.analysis)) {
    ctx.warning(texts.thresholdReached(ctx.ids, failed));
    ctx.alert('error', alertTexts.thresholdReached(failed));
  }
  ctx.setRoutes(100, 0, false);
  ctx.warning(texts.canaryFailed(ctx.ids));
  scaleTargetDown(ctx);
  ctx.syncStatus({ phase: 'Failed', canaryWeight: 0 }, reason);
  ctx.act({ type: 'runPostRolloutHooks', phase: 'Failed' });
}

/**
 * The primary broke during promotion: the canary is the only healthy copy, so all traffic goes to it and it is
 * not scaled down.
 */
export function failPromotion(ctx: TickContext, error: string): void {
  ctx.warning(texts.promotionFailed(ctx.ids, error));
  ctx.alert('error', alertTexts.promotionFailed(error));
  ctx.setRoutes(0, 100, false);
  ctx.syncStatus({ phase: 'Failed', canaryWeight: 100 }, `primary not ready: ${error}`);
  ctx.act({ type: 'runPostRolloutHooks', phase: 'Failed' });
}
