import type { Canary } from '@delivery/plugin-delivery-common';
import { canaryOwnerReference, includeByPrefix } from './bootstrap';
import { canonicalJson } from './hash';
import type { HorizontalPodAutoscaler } from './types';

/**
 * The primary autoscaler (b.2): `<hpa>-primary` scales `<t>-primary` with the target HPA's bounds, metrics and
 * behavior. Pure builders; the tick applies them. Only HorizontalPodAutoscaler is supported: a KEDA ScaledObject
 * is refused up front (see `autoscalerProblem`) rather than half-applied.
 */

export const HPA_KIND = 'HorizontalPodAutoscaler';

export function primaryAutoscalerName(canary: Canary): string | undefined {
  const ref = canary.spec.autoscalerRef;
  return ref ? `${ref.name}-primary` : undefined;
}

/**
 * Why `spec.autoscalerRef` cannot be served, with the fix, or undefined when it can (or is not set). Reported as
 * the Valid=False condition before anything is written, so a ScaledObject canary never gets a primary without the
 * scaler it relies on.
 */
export function autoscalerProblem(canary: Canary): string | undefined {
  const ref = canary.spec.autoscalerRef;
  if (!ref) return undefined;
  if (ref.kind !== HPA_KIND) {
    return (
      `spec.autoscalerRef.kind: ${ref.kind || '(empty)'} is not supported by the Delivery reconciler; only ` +
      `HorizontalPodAutoscaler (autoscaling/v2) is. Fix: point spec.autoscalerRef at a HorizontalPodAutoscaler ` +
      `that scales ${canary.spec.targetRef.name}, or remove spec.autoscalerRef.`
    );
  }
  if (!ref.name) {
    return 'spec.autoscalerRef.name is empty. Fix: set it to the name of the HorizontalPodAutoscaler of the target.';
  }
  if (ref.apiVersion && !ref.apiVersion.startsWith('autoscaling/')) {
    return (
      `spec.autoscalerRef.apiVersion: ${ref.apiVersion} is not an autoscaling API version. ` +
      'Fix: use autoscaling/v2 (or leave it out).'
    );
  }
  return undefined;
}

/** `<hpa>-primary` as the target HPA says it should be; `primaryScalerReplicas` overrides the bounds. */
export function desiredPrimaryAutoscaler(canary: Canary, target: HorizontalPodAutoscaler): HorizontalPodAutoscaler {
  const overrides = canary.spec.autoscalerRef?.primaryScalerReplicas;
  const spec: HorizontalPodAutoscaler['spec'] = {
    scaleTargetRef: {
      apiVersion: target.spec.scaleTargetRef.apiVersion,
      kind: target.spec.scaleTargetRef.kind,
      name: `${canary.spec.targetRef.name}-primary`,
    },
    minReplicas: positive(overrides?.minReplicas) ?? target.spec.minReplicas,
    maxReplicas: positive(overrides?.maxReplicas) ?? target.spec.maxReplicas,
    metrics: target.spec.metrics,
    behavior: target.spec.behavior,
  };
  return {
    apiVersion: 'autoscaling/v2',
    kind: HPA_KIND,
    metadata: {
      name: primaryAutoscalerName(canary)!,
      namespace: canary.metadata.namespace,
      labels: includeByPrefix(target.metadata.labels, ['*']),
      ownerReferences: [canaryOwnerReference(canary)],
    },
    spec: Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as HorizontalPodAutoscaler['spec'],
  };
}

/** True when the live primary HPA already has the desired spec and labels (the API server's defaults count). */
export function primaryAutoscalerMatches(live: HorizontalPodAutoscaler, desired: HorizontalPodAutoscaler): boolean {
  // minReplicas defaults to 1 on the server; an omitted and an explicit 1 are the same HPA.
  const comparable = (h: HorizontalPodAutoscaler) =>
    canonicalJson({
      ...h.spec,
      minReplicas: h.spec.minReplicas ?? 1,
      labels: h.metadata.labels ?? {},
    });
  return comparable(live) === comparable(desired);
}

/** What scaling the target up from zero starts from with an HPA: its minReplicas when above 1, else 1. */
export function autoscalerScaleUpReplicas(hpa: HorizontalPodAutoscaler | undefined): number {
  const min = hpa?.spec.minReplicas;
  return min !== undefined && min > 1 ? min : 1;
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}
