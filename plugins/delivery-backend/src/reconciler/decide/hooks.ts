import type {
  AnalysisCheck,
  Canary,
  CanaryAnalysis,
  CanaryPhase,
  CanaryWebhook,
  CheckErrorClass,
  WebhookType,
} from '@delivery/plugin-delivery-common';
import { effectiveAnalysis } from '@delivery/plugin-delivery-common';
import { alertTexts, texts } from '../events';
import type { HookCallResult, TickAction } from '../types';
import type { TickContext } from './context';

/**
 * Webhook semantics (c): which hooks run when, what counts as success, and the events each outcome records.
 * Hooks of one type run in spec order; gates stop at the first failure, rollback hooks at the first success.
 */

/** Flagger's rule: a response with status ≤ 202 is success; 203–299 are failures (kept for compatibility). */
export function webhookSucceeded(result: HookCallResult): boolean {
  return result.error === undefined && result.status !== undefined && result.status <= 202;
}

/** The error text Flagger prints: the transport error, else the response body. */
export function webhookErrorText(result: HookCallResult): string {
  if (result.error !== undefined) return result.error;
  return result.body ?? '';
}

function failureClass(result: HookCallResult): CheckErrorClass {
  return result.timedOut ? 'timeout' : 'webhook-error';
}

function checkMessage(result: HookCallResult): string | undefined {
  if (result.error !== undefined) return result.error;
  if (result.status === undefined) return undefined;
  if (result.status > 202 && result.status < 300) {
    return `HTTP ${result.status} counts as a failure: only 200, 201 and 202 are success (Flagger's rule)`;
  }
  const body = (result.body ?? '').trim();
  return body ? `HTTP ${result.status}: ${body}` : `HTTP ${result.status}`;
}

export function hooksOfType(analysis: CanaryAnalysis, type: WebhookType): CanaryWebhook[] {
  return (analysis.webhooks ?? []).filter(h => (h.type || 'rollout') === type);
}

function hookCheck(
  hook: CanaryWebhook,
  result: HookCallResult,
  passed: boolean,
  extra: Partial<AnalysisCheck> = {},
): Omit<AnalysisCheck, 'time'> {
  return {
    kind: 'webhook',
    name: hook.name,
    passed,
    ...(passed ? {} : { errorClass: failureClass(result) }),
    ...(checkMessage(result) ? { message: checkMessage(result) } : {}),
    ...extra,
  };
}

async function call(ctx: TickContext, hook: CanaryWebhook, phase: CanaryPhase) {
  const result = await ctx.fx.callHook(hook, phase);
  return { result, ok: webhookSucceeded(result) };
}

/** Start gate. On failure enters Waiting (once, with a Warning and an alert) and the tick ends. */
export async function confirmRollout(ctx: TickContext): Promise<boolean> {
  for (const hook of hooksOfType(ctx.analysis, 'confirm-rollout')) {
    const { result, ok } = await call(ctx, hook, ctx.phase);
    ctx.check(hookCheck(hook, result, ok));
    if (!ok) {
      if (ctx.phase !== 'Waiting') {
        ctx.setPhase('Waiting', texts.waitingApproval(ctx.ids, hook.name));
        ctx.warning(texts.waitingApproval(ctx.ids, hook.name));
        if (!hook.muteAlert) ctx.alert('warn', alertTexts.waitingApproval());
      }
      return false;
    }
    ctx.normal(texts.confirmRolloutPassed(hook.name));
  }
  return true;
}

/** First analysis tick: pre-rollout hooks instead of metrics. */
export async function preRollout(ctx: TickContext): Promise<boolean> {
  for (const hook of hooksOfType(ctx.analysis, 'pre-rollout')) {
    const { result, ok } = await call(ctx, hook, 'Progressing');
    ctx.check(hookCheck(hook, result, ok));
    if (!ok) {
      ctx.warning(texts.preRolloutFailed(ctx.ids, hook.name, webhookErrorText(result)));
      return false;
    }
    ctx.normal(texts.preRolloutPassed(hook.name));
  }
  return true;
}

/** `rollout` (or untyped) hooks, run before the metrics on every later analysis tick. */
export async function rolloutHooks(ctx: TickContext, extra: Partial<AnalysisCheck>): Promise<boolean> {
  for (const hook of hooksOfType(ctx.analysis, 'rollout')) {
    const { result, ok } = await call(ctx, hook, 'Progressing');
    ctx.check(hookCheck(hook, result, ok, extra));
    if (!ok) {
      ctx.warning(texts.rolloutHookFailed(ctx.ids, hook.name, webhookErrorText(result)));
      return false;
    }
  }
  return true;
}

/**
 * Gate before each weight increase. A failure — including an unreachable hook — only halts this tick: no failed
 * check, no phase change, no restart. The Warning and the alert repeat every tick, as in Flagger.
 */
export async function confirmTrafficIncrease(ctx: TickContext): Promise<boolean> {
  for (const hook of hooksOfType(ctx.analysis, 'confirm-traffic-increase')) {
    const { result, ok } = await call(ctx, hook, 'Progressing');
    ctx.check(hookCheck(hook, result, ok));
    if (!ok) {
      ctx.warning(texts.waitingTrafficIncrease(ctx.ids, hook.name));
      if (!hook.muteAlert) ctx.alert('warn', alertTexts.waitingTrafficIncrease());
      return false;
    }
    ctx.normal(texts.trafficIncreasePassed(hook.name));
  }
  return true;
}

/**
 * Gate before copying the spec to the primary. On failure enters WaitingPromotion (once), or while already
 * waiting re-sets iterations to N−1 so A/B and blue/green repeat their last iteration after approval.
 */
export async function confirmPromotion(ctx: TickContext, analysis: CanaryAnalysis): Promise<boolean> {
  for (const hook of hooksOfType(analysis, 'confirm-promotion')) {
    const { result, ok } = await call(ctx, hook, 'Progressing');
    ctx.check(hookCheck(hook, result, ok));
    if (!ok) {
      if (ctx.phase !== 'WaitingPromotion') {
        ctx.setPhase('WaitingPromotion', texts.waitingPromotion(ctx.ids, hook.name), analysis);
        ctx.warning(texts.waitingPromotion(ctx.ids, hook.name));
        if (!hook.muteAlert) ctx.alert('warn', alertTexts.waitingPromotion());
      } else {
        ctx.setIterations(ctx.waitingPromotionIterations(analysis));
      }
      return false;
    }
    ctx.normal(texts.promotionPassed(hook.name));
  }
  return true;
}

/** Rollback hooks invert the meaning: the first hook answering success asks for a rollback. */
export async function rollbackRequested(ctx: TickContext): Promise<boolean> {
  for (const hook of hooksOfType(ctx.analysis, 'rollback')) {
    const { result, ok } = await call(ctx, hook, ctx.phase);
    // Recorded as "passed" while the hook does not ask for a rollback; a request is a decision, not an error.
    ctx.check(hookCheck(hook, result, !ok, ok ? { message: 'rollback requested', errorClass: undefined } : {}));
    if (ok) {
      ctx.warning(texts.rollbackHookPassed(hook.name));
      return true;
    }
    ctx.normal(texts.rollbackHookQuiet(hook.name));
  }
  return false;
}

export interface PostRolloutResult {
  actions: Extract<TickAction, { type: 'recordEvent' }>[];
  checks: AnalysisCheck[];
}

/**
 * Post-rollout hooks, run by the shell when it reaches a `runPostRolloutHooks` action (after the status write, as
 * in Flagger). Failures are only reported; later post-rollout hooks are skipped.
 */
export async function runPostRolloutHooks(
  canary: Canary,
  phase: 'Succeeded' | 'Failed',
  callHook: (hook: CanaryWebhook, phase: CanaryPhase) => Promise<HookCallResult>,
  now: Date,
): Promise<PostRolloutResult> {
  const out: PostRolloutResult = { actions: [], checks: [] };
  for (const hook of hooksOfType(effectiveAnalysis(canary.spec) ?? {}, 'post-rollout')) {
    const result = await callHook(hook, phase);
    const ok = webhookSucceeded(result);
    out.checks.push({ time: now.toISOString(), ...hookCheck(hook, result, ok) });
    if (!ok) {
      out.actions.push({
        type: 'recordEvent',
        eventType: 'Warning',
        message: texts.postRolloutFailed(hook.name, webhookErrorText(result)),
      });
      break;
    }
    out.actions.push({ type: 'recordEvent', eventType: 'Normal', message: texts.postRolloutPassed(hook.name) });
  }
  return out;
}
