import { alertTexts, texts } from '../events';
import type { PortalIntent } from '../types';
import type { TickContext } from './context';
import { startPromotion } from './promotion';
import { rollback } from './rollback';

/**
 * Portal requests ("abort", "promote now"; docs/actions.md). They only mean something while a run is analysing;
 * anywhere else they are moot and cleared. Clearing comes after the tick's other writes, so a failed write leaves
 * the request to the next tick, and the phase the acting tick writes makes the request moot there: repeating a tick
 * never acts twice.
 */

const ACTIONABLE = ['Progressing', 'WaitingPromotion'];

/** The requests this tick may act on; obsolete ones and those of a phase where they are moot are cleared. */
export function actionableIntents(ctx: TickContext): { abort?: PortalIntent; promoteNow?: PortalIntent } {
  const intents = ctx.obs.intents;
  if (!intents) return {};
  ctx.clearAnnotations(intents.obsolete);
  if (!ACTIONABLE.includes(ctx.phase)) {
    ctx.clearAnnotations([intents.abort?.annotation, intents.promoteNow?.annotation]);
    return {};
  }
  return { abort: intents.abort, promoteNow: intents.promoteNow };
}

/** Rolls back as a rollback webhook would, naming who asked. Abort wins over promote-now, which is cleared too. */
export function abortRun(ctx: TickContext, abort: PortalIntent): void {
  ctx.warning(texts.aborted(ctx.ids, abort.actor, abort.comment));
  ctx.alert('warn', alertTexts.aborted(abort.actor));
  rollback(ctx, `aborted by ${abort.actor}`);
  ctx.actors.push({ actor: abort.actor, action: 'abort', ...(abort.comment ? { comment: abort.comment } : {}) });
  ctx.clearAnnotations([abort.annotation, ctx.obs.intents?.promoteNow?.annotation]);
}

/**
 * Promotes as if the last step and every gate had passed. When the primary cannot be updated yet the request stays
 * for the next tick.
 */
export function promoteNow(ctx: TickContext, promote: PortalIntent): void {
  ctx.normal(texts.promoteNow(ctx.ids, promote.actor, promote.comment));
  startPromotion(ctx);
  if (ctx.phase !== 'Promoting') return;
  ctx.actors.push({ actor: promote.actor, action: 'promote-now', ...(promote.comment ? { comment: promote.comment } : {}) });
  ctx.clearAnnotations([promote.annotation]);
}
