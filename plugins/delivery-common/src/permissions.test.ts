import { isResourcePermission } from '@backstage/plugin-permission-common';
import {
  DELIVERY_CANARY_RESOURCE_TYPE,
  deliveryCanaryApprovePermission,
  deliveryCanaryReadPermission,
  deliveryPermissions,
} from './permissions';

describe('delivery permissions', () => {
  it('names the permissions as policies reference them', () => {
    expect(deliveryPermissions.map(p => p.name)).toEqual([
      'delivery.canary.read',
      'delivery.canary.approve',
      'delivery.canary.operate',
    ]);
  });

  it('makes read and approve resource permissions on canaries, so policies can be conditional', () => {
    expect(isResourcePermission(deliveryCanaryReadPermission, DELIVERY_CANARY_RESOURCE_TYPE)).toBe(true);
    expect(isResourcePermission(deliveryCanaryApprovePermission, DELIVERY_CANARY_RESOURCE_TYPE)).toBe(true);
    expect(deliveryCanaryApprovePermission.attributes.action).toBe('update');
  });
});
