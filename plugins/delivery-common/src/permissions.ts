import { createPermission } from '@backstage/plugin-permission-common';

/** Resource type of a canary, addressed as `<cluster>/<namespace>/<name>`. */
export const DELIVERY_CANARY_RESOURCE_TYPE = 'delivery-canary';

/** See canaries, their runs, checks and events. Conditional rules may limit it by cluster, namespace or owner. */
export const deliveryCanaryReadPermission = createPermission({
  name: 'delivery.canary.read',
  attributes: { action: 'read' },
  resourceType: DELIVERY_CANARY_RESOURCE_TYPE,
});

/** Approve or reject a waiting gate (confirm-rollout, confirm-traffic-increase, confirm-promotion, rollback). */
export const deliveryCanaryApprovePermission = createPermission({
  name: 'delivery.canary.approve',
  attributes: { action: 'update' },
  resourceType: DELIVERY_CANARY_RESOURCE_TYPE,
});

/** Operate a rollout: promote now, abort, pause, resume, retry. Kept apart from approval on purpose. */
export const deliveryCanaryOperatePermission = createPermission({
  name: 'delivery.canary.operate',
  attributes: { action: 'update' },
  resourceType: DELIVERY_CANARY_RESOURCE_TYPE,
});

/** Every permission of the Delivery plugins, for registration with the permissions registry. */
export const deliveryPermissions = [
  deliveryCanaryReadPermission,
  deliveryCanaryApprovePermission,
  deliveryCanaryOperatePermission,
];
