import { BackstageCredentials, PermissionsService } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult, PermissionCriteria } from '@backstage/plugin-permission-common';
import { createConditionTransformer } from '@backstage/plugin-permission-node';
import { deliveryCanaryReadPermission } from '@delivery/plugin-delivery-common';
import { CanaryFilter, CanaryPermissionResource, canaryPermissionRules } from '../permissions/rules';

const { isInCluster, isInNamespace, isEntityOwner } = canaryPermissionRules;
const transform = createConditionTransformer([isInCluster, isInNamespace, isEntityOwner]);

/** Evaluates the filter form of permission conditions against one canary. */
export function matchesCanaryFilter(
  criteria: PermissionCriteria<CanaryFilter>,
  resource: CanaryPermissionResource,
): boolean {
  if ('allOf' in criteria) return criteria.allOf.every(c => matchesCanaryFilter(c, resource));
  if ('anyOf' in criteria) return criteria.anyOf.some(c => matchesCanaryFilter(c, resource));
  if ('not' in criteria) return !matchesCanaryFilter(criteria.not, resource);
  switch (criteria.property) {
    case 'cluster':
      return criteria.values.includes(resource.cluster);
    case 'namespace':
      return criteria.values.includes(resource.namespace);
    case 'owner':
      return resource.owners.some(o => criteria.values.includes(o));
    default:
      return false;
  }
}

/**
 * Turns the caller's `delivery.canary.read` decision into a predicate over canaries: one permission round-trip per
 * request, then conditions are applied in memory to the cached rows. DENY throws NotAllowedError. ALLOW returns
 * undefined, so callers can skip building a permission resource per row when every row is visible anyway.
 */
export async function canaryReadFilter(
  permissions: PermissionsService,
  credentials: BackstageCredentials,
): Promise<((resource: CanaryPermissionResource) => boolean) | undefined> {
  const [decision] = await permissions.authorizeConditional([{ permission: deliveryCanaryReadPermission }], {
    credentials,
  });
  if (decision.result === AuthorizeResult.ALLOW) return undefined;
  if (decision.result !== AuthorizeResult.CONDITIONAL) {
    throw new NotAllowedError('delivery.canary.read is not granted to you');
  }
  const criteria = transform(decision.conditions) as PermissionCriteria<CanaryFilter>;
  return resource => matchesCanaryFilter(criteria, resource);
}
