import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  PermissionCriteria,
  PermissionCondition,
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

export interface DeliveryDemoPolicyOptions {
  /**
   * Clusters where owners alone may not approve: there only members of `releaseManagers` approve ("owners approve in
   * staging, release managers in prod"). Empty: owners approve everywhere.
   */
  protectedClusters?: string[];
  /** Group whose members approve in protected clusters. Default `group:default/release-managers`. */
  releaseManagers?: string;
}

/**
 * This app's permission policy. Everyone signed in may read; acting on a rollout is limited to the owners of the
 * service it belongs to, and approving in protected clusters to release managers. The decisions are conditional, so
 * the Delivery backend evaluates them per canary (cluster, namespace, owners).
 */
export class DeliveryDemoPolicy implements PermissionPolicy {
  private readonly protectedClusters: string[];
  private readonly releaseManagers: string;

  constructor(options: DeliveryDemoPolicyOptions = {}) {
    this.protectedClusters = options.protectedClusters ?? [];
    this.releaseManagers = options.releaseManagers ?? 'group:default/release-managers';
  }

  async handle(request: PolicyQuery, user?: PolicyQueryUser): Promise<PolicyDecision> {
    if (isPermission(request.permission, deliveryCanaryReadPermission)) {
      return { result: user ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
    }
    const approve = isPermission(request.permission, deliveryCanaryApprovePermission);
    if (approve || isPermission(request.permission, deliveryCanaryOperatePermission)) {
      if (!user) return { result: AuthorizeResult.DENY };
      // Narrowed by the isPermission checks above: both are resource permissions of delivery-canary.
      const permission = request.permission as typeof deliveryCanaryApprovePermission;
      const claims = user.info.ownershipEntityRefs ?? [];
      const owner = deliveryCanaryConditions.isEntityOwner({ claims });
      if (!approve || this.protectedClusters.length === 0) {
        return createDeliveryCanaryConditionalDecision(permission, owner);
      }
      const inProtected = deliveryCanaryConditions.isInCluster({ clusters: this.protectedClusters });
      const criteria: PermissionCriteria<PermissionCondition<'delivery-canary'>> = claims.includes(this.releaseManagers)
        ? { anyOf: [owner, inProtected] }
        : { allOf: [owner, { not: inProtected }] };
      return createDeliveryCanaryConditionalDecision(permission, criteria);
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'delivery-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        // Optional app config: delivery.permissionPolicy.protectedClusters / .releaseManagers.
        policy.setPolicy(
          new DeliveryDemoPolicy({
            protectedClusters: config.getOptionalStringArray('delivery.permissionPolicy.protectedClusters'),
            releaseManagers: config.getOptionalString('delivery.permissionPolicy.releaseManagers'),
          }),
        );
      },
    });
  },
});
