import { effectiveAnalysis, type Canary } from '@delivery/plugin-delivery-common';
import { ABORT_ANNOTATION, PROMOTE_NOW_ANNOTATION, readActionIntents } from '../actions/intents';
import { KINDS, type ObjectReader, type ResourceKind } from '../kube/types';
import { analysisStrategy, type Router } from '../routers/router';
import type { RouterFactory } from '../routers/factory';
import { autoscalerProblem, scalerKind } from './autoscaler';
import { selectorLabelOf, serviceNames } from './bootstrap';
import { configRefsOf } from './configTracking';
import type {
  ConfigMapObject,
  Observation,
  PortalIntents,
  ReconcilerSettings,
  ScalerObject,
  SecretObject,
  ServiceObject,
  Workload,
} from './types';

/**
 * Gathers what one tick needs from the watch caches — never from the API server, so an idle canary costs no
 * request — and checks the spec before anything is written.
 */

/** Typed read: the reconciler's object types are narrower than KubeObject's open index signature. */
export function readAs<T>(reader: ObjectReader, kind: ResourceKind, namespace: string, name: string): T | undefined {
  return reader.get(kind, namespace, name) as unknown as T | undefined;
}

export function workloadKind(canary: Canary): ResourceKind {
  return canary.spec.targetRef.kind === 'DaemonSet' ? KINDS.daemonSet : KINDS.deployment;
}

export interface ObserveInput {
  reader: ObjectReader;
  canary: Canary;
  router: Router;
  provider: string;
  resumed: boolean;
}

export function observeCanary({ reader, canary, router, provider, resumed }: ObserveInput): Observation {
  const ns = canary.metadata.namespace ?? 'default';
  const kind = workloadKind(canary);
  const targetName = canary.spec.targetRef.name;
  const target = readAs<Workload>(reader, kind, ns, targetName);
  const primary = readAs<Workload>(reader, kind, ns, `${targetName}-primary`);
  const names = serviceNames(canary);
  const service = (name: string) => readAs<ServiceObject>(reader, KINDS.service, ns, name);

  // Only the objects the target references are looked up, so a namespace without them never starts those watches.
  const refs = configRefsOf(target?.spec.template.spec);
  const configMaps: Record<string, ConfigMapObject> = {};
  const secrets: Record<string, SecretObject> = {};
  for (const name of refs.configMaps.keys()) {
    const cm = readAs<ConfigMapObject>(reader, KINDS.configMap, ns, name);
    if (cm) configMaps[name] = cm;
  }
  for (const name of refs.secrets.keys()) {
    const s = readAs<SecretObject>(reader, KINDS.secret, ns, name);
    if (s) secrets[name] = s;
  }

  const caps = router.capabilities;
  const strategy = analysisStrategy(canary);
  const scaler = scalerKind(canary);
  const scalerName = scaler && canary.spec.autoscalerRef!.name;
  const readScaler = (name: string) => readAs<ScalerObject>(reader, scaler!, ns, name);
  return {
    canary,
    target,
    primary,
    services: { apex: service(names.apex), primary: service(names.primary), canary: service(names.canary) },
    configMaps,
    secrets,
    ...(scalerName ? { autoscaler: readScaler(scalerName), primaryAutoscaler: readScaler(`${scalerName}-primary`) } : {}),
    provider,
    routerCapabilities: {
      mirror: caps.mirror && strategy !== 'ab-testing' && caps.mirrorStrategies.includes(strategy),
      abMatch: caps.abMatch,
    },
    resumed,
    intents: portalIntents(canary),
  };
}

/** The portal's requests on this Canary (annotations, docs/actions.md), undefined when there are none. */
export function portalIntents(canary: Canary): PortalIntents | undefined {
  const { promoteNow, abort, obsolete } = readActionIntents(canary);
  if (!promoteNow && !abort && !obsolete.length) return undefined;
  const intent = (annotation: string, i: typeof abort) =>
    i && { annotation, actor: i.actor, ...(i.comment ? { comment: i.comment } : {}) };
  return {
    ...(promoteNow ? { promoteNow: intent(PROMOTE_NOW_ANNOTATION, promoteNow) } : {}),
    ...(abort ? { abort: intent(ABORT_ANNOTATION, abort) } : {}),
    obsolete,
  };
}

/**
 * The kinds a tick of this canary reads. A watch starts on first read and answers "absent" until its first LIST
 * completes, so the shell waits for all of them before deciding anything.
 */
export function kindsRead(canary: Canary, router: Router | undefined, target: Workload | undefined): ResourceKind[] {
  const kinds: ResourceKind[] = [KINDS.canary, workloadKind(canary), KINDS.service];
  const routed = router?.objectRef(canary)?.kind;
  if (routed) kinds.push(routed);
  const refs = configRefsOf(target?.spec.template.spec);
  if (refs.configMaps.size) kinds.push(KINDS.configMap);
  if (refs.secrets.size) kinds.push(KINDS.secret);
  if (effectiveAnalysis(canary.spec)?.metrics?.some(m => m.templateRef)) kinds.push(KINDS.metricTemplate);
  const scaler = scalerKind(canary);
  if (scaler) kinds.push(scaler);
  return kinds;
}

/** A spec the reconciler refuses, with the field and the fix, as the `Valid=False` condition shows it. */
export interface InvalidSpec {
  reason: string;
  message: string;
}

/**
 * Problems that must stop the tick before any write: the router's (unknown provider, missing gatewayRefs or
 * ingressRef, mirroring or matches it cannot serve), a target selector without one of the selector labels, and an
 * autoscaler kind we do not drive (KEDA ScaledObject).
 */
export function validateCanary(
  canary: Canary,
  reader: ObjectReader,
  factory: RouterFactory,
  settings: Pick<ReconcilerSettings, 'selectorLabels'>,
): InvalidSpec | undefined {
  const problems = factory.validate(canary).map(p => `${p.field}: ${p.message}. Fix: ${p.fix}.`);
  const ns = canary.metadata.namespace ?? 'default';
  const target = readAs<Workload>(reader, workloadKind(canary), ns, canary.spec.targetRef.name);
  if (target && !selectorLabelOf(target, settings.selectorLabels)) {
    problems.push(
      `spec.targetRef: ${target.kind} ${canary.spec.targetRef.name}.${ns} spec.selector.matchLabels has none of the ` +
        `labels ${settings.selectorLabels.join(', ')}. Fix: add one of them (e.g. app: ${canary.spec.targetRef.name}) ` +
        'to the selector and the pod template labels.',
    );
  }
  const autoscaler = autoscalerProblem(canary);
  if (autoscaler) problems.push(autoscaler);
  if (!problems.length) return undefined;
  return { reason: 'InvalidSpec', message: problems.join(' ') };
}
