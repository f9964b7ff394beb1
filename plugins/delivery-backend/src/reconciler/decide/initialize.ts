import {
  buildPrimary,
  desiredService,
  discoveredPorts,
  mergeService,
  primaryConfigCopies,
  selectorLabelOf,
  ServiceRole,
} from '../bootstrap';
import { autoscalerScaleUpReplicas } from '../autoscaler';
import { trackedConfigs } from '../configTracking';
import { alertTexts, texts } from '../events';
import { SCALE_TO_ZERO_NODE_SELECTOR, targetSpecHash } from '../hash';
import { primaryReadiness } from '../readiness';
import { pauseTargetScaler, reconcilePrimaryAutoscaler } from './autoscaling';
import type { Workload } from '../types';
import type { TickContext } from './context';
import { rollback } from './rollback';
import { progressDeadlineSeconds, readyThresholds } from './settings';

/**
 * Steps 2–11 of a tick: target metadata, Services, the primary, scaling the target down and reaching Initialized
 * (b.2). These run on every tick (creating what is missing); the Initializing-only parts are guarded by phase.
 * Returns false when the tick must end.
 */
export async function bootstrap(ctx: TickContext): Promise<boolean> {
  const { obs, ids } = ctx;
  const target = obs.target;
  if (!target) {
    const err = obs.targetError ?? `${ctx.kind.toLowerCase()}s.apps "${ids.target}" not found`;
    ctx.warning(texts.targetNotFound(ctx.kind, ids, err));
    return false;
  }
  const selector = selectorLabelOf(target, ctx.settings.selectorLabels);
  if (!selector) {
    ctx.warning(texts.selectorLabel(target.kind, ids, ctx.settings.selectorLabels));
    return false;
  }
  const tracked = trackedConfigs(target.spec.template.spec, ids.namespace, obs, ctx.settings.configTracking);
  if (!tracked.ok) {
    ctx.warning(`GetTargetConfigs failed: ${tracked.error}`);
    return false;
  }
  ctx.target = target;
  ctx.selector = selector;
  ctx.specHash = targetSpecHash(target);
  ctx.tracked = tracked.configs;
  ctx.trackedConfigs = tracked.map;

  if (ctx.phase === '') ctx.setPhase('Initializing');
  const initializing = ctx.phase === 'Initializing';

  const ports = ctx.canary.spec.service.portDiscovery
    ? discoveredPorts(ctx.canary, target.spec.template.spec?.containers)
    : [];
  const ensureService = (role: ServiceRole) => {
    const merged = mergeService(obs.services[role], desiredService(ctx.canary, role, selector, ports), ctx.canary);
    if (merged) ctx.act({ type: 'applyService', service: merged });
  };
  ensureService('canary');
  ensureService('primary');

  if (initializing && !ctx.skipAnalysis && ctx.fx.checkMetricProviders) {
    const err = await ctx.fx.checkMetricProviders();
    if (err) ctx.warning(texts.providersError(err));
    else ctx.normal(texts.providersAvailable());
  }

  if (!obs.primary) {
    for (const object of primaryConfigCopies(ctx.canary, ctx.tracked, ctx.settings.includeLabelPrefix)) {
      ctx.act({ type: 'applyConfig', object });
    }
    ctx.act({
      type: 'createPrimary',
      workload: buildPrimary({
        canary: ctx.canary,
        target,
        selector,
        tracked: ctx.tracked,
        selectorLabels: ctx.settings.selectorLabels,
        includeLabelPrefix: ctx.settings.includeLabelPrefix,
        flaggerId: ctx.settings.newId(),
      }),
    });
  }
  if (initializing && !ctx.skipAnalysis) {
    const ready = primaryReadiness(obs.primary, `${ids.target}-primary`, target.kind, {
      readyThreshold: readyThresholds(ctx.analysis).primary,
      progressDeadlineSeconds: progressDeadlineSeconds(ctx.canary.spec),
      now: ctx.now,
      namespace: ids.namespace,
      canaryLastTransitionTime: ctx.status.lastTransitionTime,
    });
    if (!ready.ready) {
      ctx.warning(ready.message);
      if (!ready.retriable) rollback(ctx, ready.message);
      return false;
    }
  }

  if (!reconcilePrimaryAutoscaler(ctx, false)) return false;
  if (initializing) pauseTargetScaler(ctx);

  ensureService('apex');

  if (initializing && !isScaledToZero(target)) ctx.act({ type: 'scaleTarget', replicas: 0 });

  if (obs.provider !== 'kubernetes') ctx.act({ type: 'reconcileRouter' });

  if (initializing) {
    ctx.syncStatus({ phase: 'Initialized' });
    ctx.normal(texts.initialized(ids));
    ctx.alert('info', alertTexts.initialized(ctx.kind), true);
  }
  return true;
}

export function isScaledToZero(target: Workload): boolean {
  if (target.kind === 'DaemonSet') {
    return target.spec.template.spec?.nodeSelector?.[SCALE_TO_ZERO_NODE_SELECTOR] === 'true';
  }
  return target.spec.replicas === 0;
}

/** Replicas for a target that starts a run (Flagger's ScaleFromZero). */
export function scaleUpReplicas(ctx: TickContext): number {
  const own = ctx.target?.spec.replicas;
  if (own !== undefined && own > 0) return own;
  if (!ctx.canary.spec.autoscalerRef) {
    const primary = ctx.obs.primary?.spec.replicas;
    return primary !== undefined && primary > 0 ? primary : 1;
  }
  return autoscalerScaleUpReplicas(ctx.obs.autoscaler);
}
