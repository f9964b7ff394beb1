import type { Entity } from '@backstage/catalog-model';

/**
 * Entity annotations read by the Delivery plugins.
 *
 * The first three are the Kubernetes plugin's own, reused on purpose: a service that already shows up on the
 * Kubernetes tab needs no extra annotation to get a Delivery tab.
 */
export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';
/** A Kubernetes label selector (`app=podinfo,tier in (web)`) matched against canary targets. */
export const KUBERNETES_LABEL_SELECTOR_ANNOTATION =
  'backstage.io/kubernetes-label-selector';
/** Narrows the match to one namespace. */
export const KUBERNETES_NAMESPACE_ANNOTATION = 'backstage.io/kubernetes-namespace';

/** Label on workloads that carries an entity's `backstage.io/kubernetes-id` value. */
export const KUBERNETES_ID_LABEL = 'backstage.io/kubernetes-id';

/** Overrides the Grafana dashboard link of this entity's canaries (full URL, templated like the config one). */
export const DELIVERY_GRAFANA_DASHBOARD_ANNOTATION =
  'delivery.backstage.io/grafana-dashboard';
/** Number of distinct approvers a gate of this entity's canaries needs (default from config, else 1). */
export const DELIVERY_REQUIRED_APPROVALS_ANNOTATION =
  'delivery.backstage.io/required-approvals';

/** True when the entity carries enough annotations for the Delivery plugins to find its canaries. */
export function isDeliveryAvailable(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Boolean(
    annotations[KUBERNETES_ID_ANNOTATION]?.trim() ||
      annotations[KUBERNETES_LABEL_SELECTOR_ANNOTATION]?.trim(),
  );
}
