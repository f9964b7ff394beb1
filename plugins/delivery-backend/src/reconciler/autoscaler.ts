import type { Canary } from '@delivery/plugin-delivery-common';
import { KINDS, type ResourceKind } from '../kube/types';
import { canaryOwnerReference, includeByPrefix } from './bootstrap';
import { canonicalJson } from './hash';
import type { HorizontalPodAutoscaler, ScaledObject, ScalerObject } from './types';

/**
 * The primary autoscaler (b.2): `<hpa>-primary` (HorizontalPodAutoscaler) or `<so>-primary` (KEDA ScaledObject)
 * scales `<t>-primary` the way the target's autoscaler scales the target. Pure builders; the tick applies them.
 */

export const HPA_KIND = 'HorizontalPodAutoscaler';
export const SCALED_OBJECT_KIND = 'ScaledObject';
/** KEDA holds a ScaledObject's target at this many replicas while the annotation is set. */
export const PAUSED_REPLICAS = 'autoscaling.keda.sh/paused-replicas';

/** The kind of `spec.autoscalerRef` when it is one we drive. */
export function scalerKind(canary: Canary): ResourceKind | undefined {
  switch (canary.spec.autoscalerRef?.kind) {
    case HPA_KIND:
      return KINDS.horizontalPodAutoscaler;
    case SCALED_OBJECT_KIND:
      return KINDS.scaledObject;
    default:
      return undefined;
  }
}

export function primaryAutoscalerName(canary: Canary): string | undefined {
  const ref = canary.spec.autoscalerRef;
  return ref ? `${ref.name}-primary` : undefined;
}

/**
 * Why `spec.autoscalerRef` cannot be served, with the fix, or undefined when it can (or is not set). Reported as
 * the Valid=False condition before anything is written, so the canary never gets a primary without its scaler.
 */
export function autoscalerProblem(canary: Canary): string | undefined {
  const ref = canary.spec.autoscalerRef;
  if (!ref) return undefined;
  const group = { [HPA_KIND]: 'autoscaling', [SCALED_OBJECT_KIND]: 'keda.sh' }[ref.kind];
  if (!group) {
    return (
      `spec.autoscalerRef.kind: ${ref.kind || '(empty)'} is not supported by the Delivery reconciler; only ` +
      'HorizontalPodAutoscaler (autoscaling/v2) and ScaledObject (keda.sh/v1alpha1) are. Fix: point ' +
      `spec.autoscalerRef at one of them that scales ${canary.spec.targetRef.name}, or remove spec.autoscalerRef.`
    );
  }
  if (!ref.name) {
    return `spec.autoscalerRef.name is empty. Fix: set it to the name of the ${ref.kind} of the target.`;
  }
  if (ref.apiVersion && !ref.apiVersion.startsWith(`${group}/`)) {
    return (
      `spec.autoscalerRef.apiVersion: ${ref.apiVersion} does not serve ${ref.kind}. ` +
      `Fix: use ${group === 'autoscaling' ? 'autoscaling/v2' : 'keda.sh/v1alpha1'} (or leave it out).`
    );
  }
  return undefined;
}

/** `<hpa>-primary` / `<so>-primary` as the target's autoscaler says it should be. */
export function desiredPrimaryAutoscaler(canary: Canary, target: ScalerObject): ScalerObject {
  const metadata = {
    name: primaryAutoscalerName(canary)!,
    namespace: canary.metadata.namespace,
    labels: includeByPrefix(target.metadata.labels, ['*']),
    ownerReferences: [canaryOwnerReference(canary)],
  };
  return target.kind === SCALED_OBJECT_KIND
    ? { apiVersion: 'keda.sh/v1alpha1', kind: SCALED_OBJECT_KIND, metadata, spec: primaryScaledObjectSpec(canary, target) }
    : { apiVersion: 'autoscaling/v2', kind: HPA_KIND, metadata, spec: primaryHpaSpec(canary, target) };
}

/** Bounds, metrics and behavior of the target HPA; `primaryScalerReplicas` overrides the bounds. */
function primaryHpaSpec(canary: Canary, target: HorizontalPodAutoscaler): HorizontalPodAutoscaler['spec'] {
  const overrides = canary.spec.autoscalerRef?.primaryScalerReplicas;
  return dropUndefined({
    scaleTargetRef: {
      apiVersion: target.spec.scaleTargetRef.apiVersion,
      kind: target.spec.scaleTargetRef.kind,
      name: `${canary.spec.targetRef.name}-primary`,
    },
    minReplicas: positive(overrides?.minReplicas) ?? target.spec.minReplicas,
    maxReplicas: positive(overrides?.maxReplicas) ?? target.spec.maxReplicas,
    metrics: target.spec.metrics,
    behavior: target.spec.behavior,
  });
}

/**
 * The target ScaledObject's spec for `<t>-primary`: every trigger's `metadata.query` is taken from
 * `primaryScalerQueries[<trigger name>]` when given, else rewritten so `<t>` and `<t>-canary` read `<t>-primary`.
 */
function primaryScaledObjectSpec(canary: Canary, target: ScaledObject): ScaledObject['spec'] {
  const ref = canary.spec.autoscalerRef;
  const overrides = ref?.primaryScalerReplicas;
  const triggers = (target.spec.triggers ?? []).map(trigger => {
    const query = trigger.metadata?.query;
    if (query === undefined) return trigger;
    const given = trigger.name ? ref?.primaryScalerQueries?.[trigger.name] : undefined;
    return { ...trigger, metadata: { ...trigger.metadata, query: given ?? primaryQuery(query, canary.spec.targetRef.name) } };
  });
  return dropUndefined({
    ...target.spec,
    scaleTargetRef: { ...target.spec.scaleTargetRef, name: `${canary.spec.targetRef.name}-primary` },
    minReplicaCount: positive(overrides?.minReplicas) ?? target.spec.minReplicaCount,
    maxReplicaCount: positive(overrides?.maxReplicas) ?? target.spec.maxReplicaCount,
    triggers,
  });
}

/** `<t>-canary` and `<t>` become `<t>-primary`, without producing `<t>-primary-canary` or `<t>-primary-primary`. */
export function primaryQuery(query: string, target: string): string {
  return query
    .split(`${target}-canary`)
    .map(part => part.split(target).join(`${target}-primary`))
    .join(`${target}-primary`);
}

/** True when the live primary autoscaler already has the desired spec and labels (server defaults count). */
export function primaryAutoscalerMatches(live: ScalerObject, desired: ScalerObject): boolean {
  const comparable = (s: ScalerObject) =>
    canonicalJson({
      ...s.spec,
      // An HPA's minReplicas defaults to 1 on the server; an omitted and an explicit 1 are the same HPA.
      ...(s.kind === HPA_KIND ? { minReplicas: s.spec.minReplicas ?? 1 } : {}),
      labels: s.metadata.labels ?? {},
    });
  return comparable(live) === comparable(desired);
}

/** Scaling the target up from zero with an autoscaler: its minimum when above 1, else 1. */
export function autoscalerScaleUpReplicas(scaler: ScalerObject | undefined): number {
  const min = scaler?.kind === SCALED_OBJECT_KIND ? scaler.spec.minReplicaCount : scaler?.spec.minReplicas;
  return min !== undefined && min > 1 ? min : 1;
}

export function isScalerPaused(scaler: ScaledObject): boolean {
  return scaler.metadata.annotations?.[PAUSED_REPLICAS] === '0';
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}

function dropUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
