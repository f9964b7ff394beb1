/**
 * Delivery backend plugin: Flagger-compatible canary reconciler, fleet aggregator and guarded rollout actions.
 *
 * @packageDocumentation
 */
export { deliveryPlugin as default } from './plugin';
export { readDeliveryConfig } from './config';
export type { ClusterConfig, DeliveryConfig, ReconcilerConfig } from './config';
export {
  canaryPermissionResourceRef,
  deliveryCanaryConditions,
  createDeliveryCanaryConditionalDecision,
} from './permissions/rules';
export type { CanaryPermissionResource, CanaryFilter } from './permissions/rules';
