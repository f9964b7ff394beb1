/**
 * The canary reconciler's decision core: one tick of Flagger's per-canary state machine (b.1 steps 1–24).
 *
 * Shape — an async function over an injected effects interface, chosen over a resumable "need/continueWith"
 * protocol because a tick interleaves decisions with I/O whose results steer the rest of the tick (gates, rollout
 * hooks, metrics, reading routes). Written as straight-line code it mirrors Flagger's order one-to-one, and tests
 * drive it with plain fakes. The split is:
 *
 *  - reads that happen mid-tick go through `TickEffects` (getRoutes, callHook, runMetric, checkMetricProviders);
 *    everything else the tick needs is in the `Observation` gathered from caches beforehand;
 *  - writes never happen here: they come back, in order, as `TickPlan.actions` (data), and the shell executes
 *    them. Post-rollout hooks run after the status write, so they are an action too (`runPostRolloutHooks`);
 *  - every webhook and metric result is returned in `TickPlan.checks` for the history, and phase changes in
 *    `TickPlan.transitions` (with the real failed-check count).
 *
 * Contract with the shell (reconciler/tick.ts): observations must reflect this canary's previous writes (read
 * your writes), a failed action ends the tick with a Warning carrying the error text, and the next tick runs no
 * earlier than `plan.notBefore` and otherwise every `plan.intervalMs`. See docs/reconciler-semantics.md.
 */
import { withInvalidSpec } from '../conditions';
import { alertTexts, texts } from '../events';
import { canaryReadiness, primaryReadiness } from '../readiness';
import type { Observation, ReconcilerSettings, Routes, TickEffects, TickPlan } from '../types';
import { adoptForeignSpecHash, hasRevisionChanged, shouldAdvance } from './changes';
import { TickContext } from './context';
import { confirmRollout, preRollout, rollbackRequested, rolloutHooks } from './hooks';
import { scaleTargetUp } from './autoscaling';
import { bootstrap, scaleUpReplicas } from './initialize';
import { abortRun, actionableIntents, promoteNow } from './intents';
import { runMetricChecks } from './metrics';
import { finalise, promoteWithoutAnalysis, promotionTrafficShift } from './promotion';
import { failPromotion, rollback } from './rollback';
import { analysisThreshold, progressDeadlineSeconds, readyThresholds, strategyAnalysis, tickStrategy } from './settings';
import { abTestingStep, blueGreenStep, canaryStep } from './strategies';
import { hasFinalizer, syncFinalizer, terminate } from './termination';
import { specProblems } from './validate';

export { TickContext } from './context';
export { runPostRolloutHooks, webhookSucceeded, webhookErrorText, hooksOfType } from './hooks';
export { plannedMetrics, judgeMetric } from './metrics';
export { alertRoute, alertAccepts, alertFields } from './alerts';
export { specProblems } from './validate';
export { hasTargetChanged, hasRevisionChanged } from './changes';
export * from './settings';

export interface DecideInput {
  observation: Observation;
  effects: TickEffects;
  settings: ReconcilerSettings;
  now: Date;
}

/** Phases in which a tick can move traffic or promote; a restarted process waits one interval before them. */
const STEPPING = ['Progressing', 'WaitingPromotion', 'Promoting', 'Finalising'];

export async function decide(input: DecideInput): Promise<TickPlan> {
  const ctx = new TickContext(input);
  const { canary } = ctx;

  // The finalizer is Flagger's informer business, not the tick's: it is kept in step even while suspended.
  if (canary.metadata.deletionTimestamp) return hasFinalizer(canary) ? terminate(ctx) : ctx.plan('deleting');
  syncFinalizer(ctx);

  // 1. suspend
  if (canary.spec.suspend) {
    ctx.normal(texts.suspended());
    return ctx.plan('suspended');
  }

  // Specs that could only loop are refused with a condition naming the field and the fix.
  const problems = specProblems(ctx.analysis, input.observation.provider, input.observation.routerCapabilities);
  const invalid = problems.length
    ? { reason: problems[0].reason, message: problems.map(p => p.message).join(' ') }
    : undefined;
  const conditions = withInvalidSpec(ctx.status.conditions, invalid, ctx.nowIso);
  if (conditions) {
    ctx.writeConditions(conditions);
    if (invalid) ctx.warning(invalid.message);
  }
  if (invalid) return ctx.plan('invalid');

  const intents = actionableIntents(ctx);
  // A restarted controller resumes from status; it must not take the next step before one interval has passed.
  // A person's request is not a timed step: it is carried out at once.
  const lastStep = Date.parse(ctx.status.lastTransitionTime ?? '');
  const requested = Boolean(intents.abort || intents.promoteNow);
  if (input.observation.resumed && !requested && STEPPING.includes(ctx.phase) && Number.isFinite(lastStep)) {
    const due = lastStep + ctx.intervalMs;
    if (due > ctx.now.getTime()) return ctx.plan('deferred', new Date(due).toISOString());
  }

  // 2–11. target metadata, services, primary, Initialized
  if (!(await bootstrap(ctx))) return ctx.plan('halted');
  adoptForeignSpecHash(ctx);

  // 12. anything to do?
  const statusAtStart = ctx.status;
  if (!shouldAdvance(ctx)) return ctx.plan('idle');

  const deadline = progressDeadlineSeconds(canary.spec);
  const thresholds = readyThresholds(ctx.analysis);
  const readinessInput = {
    progressDeadlineSeconds: deadline,
    now: ctx.now,
    namespace: ctx.ids.namespace,
    canaryLastTransitionTime: statusAtStart.lastTransitionTime,
  };

  // 13. primary readiness
  if (!ctx.skipAnalysis) {
    const ready = primaryReadiness(input.observation.primary, `${ctx.ids.target}-primary`, ctx.target!.kind, {
      ...readinessInput,
      readyThreshold: thresholds.primary,
    });
    if (!ready.ready) {
      ctx.warning(ready.message);
      if (!ready.retriable) {
        if (ctx.phase === 'Promoting' || ctx.phase === 'Finalising') failPromotion(ctx, ready.message);
        else rollback(ctx, ready.message);
      }
      return ctx.plan('halted');
    }
  }

  // 14. routes, always read back from the router
  let routes: Routes;
  if (input.observation.provider === 'kubernetes') {
    routes = (ctx.status.iterations ?? 0) > 0 ? { primary: 0, canary: 100, mirrored: false } : { primary: 100, canary: 0, mirrored: false };
  } else {
    try {
      routes = await input.effects.getRoutes();
    } catch (e) {
      ctx.warning(e instanceof Error ? e.message : String(e));
      return ctx.plan('halted');
    }
  }

  // 15. start gate
  if (!['Progressing', 'WaitingPromotion', 'Promoting', 'Finalising'].includes(ctx.phase)) {
    if (!(await confirmRollout(ctx))) return ctx.plan('halted');
    ctx.normal(texts.scalingUp(ctx.ids));
    ctx.alert('info', alertTexts.progressing(), true);
    scaleTargetUp(ctx, scaleUpReplicas(ctx));
    ctx.syncStatus({ phase: 'Progressing' }, 'new revision');
    return ctx.plan('advanced');
  }

  // 16. a new revision during the analysis restarts it
  if (
    (ctx.phase === 'Progressing' || ctx.phase === 'WaitingPromotion') &&
    hasRevisionChanged(ctx.status, ctx.specHash!, ctx.trackedConfigs)
  ) {
    ctx.normal(texts.restarting(ctx.ids));
    ctx.setRoutes(100, 0, false);
    ctx.syncStatus({ phase: 'Progressing' }, 'new revision during analysis');
    return ctx.plan('advanced');
  }

  // Portal abort: after the restart check, so a request for the previous revision never fails a new one; before
  // canary readiness, so a canary that never becomes ready can still be aborted.
  if (intents.abort) {
    abortRun(ctx, intents.abort);
    return ctx.plan('advanced');
  }

  // 17. canary readiness: waiting never counts as a failed check
  const canaryReady = canaryReadiness(ctx.target!, { ...readinessInput, readyThreshold: thresholds.canary });
  if (!canaryReady.ready) {
    ctx.warning(canaryReady.message);
    if (!canaryReady.retriable) rollback(ctx, canaryReady.message);
    return ctx.plan('halted');
  }

  // 18. skipAnalysis
  if (ctx.skipAnalysis) {
    promoteWithoutAnalysis(ctx);
    return ctx.plan('advanced');
  }

  // 19. rollback hooks
  if (['Progressing', 'Waiting', 'WaitingPromotion'].includes(ctx.phase) && (await rollbackRequested(ctx))) {
    ctx.warning(texts.rollbackManual(ctx.ids));
    ctx.alert('warn', alertTexts.rollbackManual());
    rollback(ctx, 'rollback webhook');
    return ctx.plan('advanced');
  }

  // Portal promote-now: readiness above still applies; remaining steps, gates and the failed-check threshold do not.
  if (intents.promoteNow) {
    promoteNow(ctx, intents.promoteNow);
    return ctx.plan('advanced');
  }

  // 20. Promoting: the primary rolled out, route traffic back to it
  if (ctx.phase === 'Promoting') {
    promotionTrafficShift(ctx, routes);
    return ctx.plan('advanced');
  }

  // 21. Finalising
  if (ctx.phase === 'Finalising') {
    finalise(ctx);
    return ctx.plan('advanced');
  }

  // 22. threshold, judged at the start of the tick after it was reached
  const failedChecks = ctx.status.failedChecks ?? 0;
  if (failedChecks >= analysisThreshold(ctx.analysis)) {
    rollback(ctx, `failed checks threshold reached ${failedChecks}`);
    return ctx.plan('advanced');
  }

  // 23. checks: pre-rollout hooks on the first analysis tick, rollout hooks and metrics afterwards
  const extra = { weight: routes.canary, iteration: ctx.status.iterations ?? 0 };
  const first = routes.canary === 0 && (ctx.status.iterations ?? 0) === 0 && !(ctx.analysis.mirror && routes.mirrored);
  if (first) ctx.normal(texts.starting(ctx.ids));
  const passed = first
    ? await preRollout(ctx)
    : (await rolloutHooks(ctx, extra)) && (await runMetricChecks(ctx, extra));
  if (!passed) {
    ctx.setFailedChecks(failedChecks + 1);
    return ctx.plan('halted');
  }

  // 24. strategy step
  const { analysis, warnings } = strategyAnalysis(ctx.analysis, input.observation.provider);
  if (warnings.includes('no-ab')) ctx.warning(texts.kubernetesNoAB());
  if (warnings.includes('no-progressive')) {
    ctx.warning(texts.kubernetesNoProgressive());
    ctx.warning(texts.kubernetesIterations());
  }
  const strategy = tickStrategy(analysis);
  if (strategy === 'ab-testing') await abTestingStep(ctx, analysis);
  else if (strategy === 'blue-green') await blueGreenStep(ctx, analysis, routes);
  else await canaryStep(ctx, analysis, routes);
  return ctx.plan('advanced');
}
