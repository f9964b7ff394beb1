import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  deliveryCanaryApprovePermission,
  deliveryCanaryOperatePermission,
  deliveryCanaryReadPermission,
} from '@delivery/plugin-delivery-common';
import {
  createDeliveryCanaryConditionalDecision,
  deliveryCanaryConditions,
} from '@delivery/plugin-delivery-backend';

/**
 * This app's permission policy. Everyone signed in may read; acting on a rollout is limited to the owners of the
 * service it belongs to. Replace the two conditional branches to express your own rules, e.g. "owners approve in
 * staging, release managers in prod" with `deliveryCanaryConditions.isInCluster`.
 */
export class DeliveryDemoPolicy implements PermissionPolicy {
  async handle(request: PolicyQuery, user?: PolicyQueryUser): Promise<PolicyDecision> {
    if (isPermission(request.permission, deliveryCanaryReadPermission)) {
      return { result: user ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
    }
    if (
      isPermission(request.permission, deliveryCanaryApprovePermission) ||
      isPermission(request.permission, deliveryCanaryOperatePermission)
    ) {
      if (!user) return { result: AuthorizeResult.DENY };
      return createDeliveryCanaryConditionalDecision(
        request.permission,
        deliveryCanaryConditions.isEntityOwner({
          claims: user.info.ownershipEntityRefs ?? [],
        }),
      );
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'delivery-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new DeliveryDemoPolicy());
      },
    });
  },
});
