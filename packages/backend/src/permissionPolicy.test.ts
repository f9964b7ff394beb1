import { AuthorizeResult, ConditionalPolicyDecision } from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  deliveryCanaryApprovePermission,
  deliveryCanaryOperatePermission,
  deliveryCanaryReadPermission,
} from '@delivery/plugin-delivery-common';
import { DeliveryDemoPolicy } from './permissionPolicy';

const user = (ownership: string[]) =>
  ({ info: { userEntityRef: ownership[0], ownershipEntityRefs: ownership } }) as unknown as PolicyQueryUser;

describe('DeliveryDemoPolicy', () => {
  const policy = new DeliveryDemoPolicy({ protectedClusters: ['prod'] });

  it('lets signed-in users read and nobody else', async () => {
    expect((await policy.handle({ permission: deliveryCanaryReadPermission }, user(['user:default/ann']))).result).toBe(
      AuthorizeResult.ALLOW,
    );
    expect((await policy.handle({ permission: deliveryCanaryReadPermission })).result).toBe(AuthorizeResult.DENY);
  });

  it('lets owners operate anywhere', async () => {
    const d = (await policy.handle({ permission: deliveryCanaryOperatePermission }, user(['user:default/ann', 'group:default/team-a']))) as ConditionalPolicyDecision;
    expect(d.conditions).toEqual({
      rule: 'IS_ENTITY_OWNER',
      resourceType: 'delivery-canary',
      params: { claims: ['user:default/ann', 'group:default/team-a'] },
    });
  });

  it('lets owners approve outside protected clusters only', async () => {
    const d = (await policy.handle({ permission: deliveryCanaryApprovePermission }, user(['user:default/ann']))) as ConditionalPolicyDecision;
    expect(d.conditions).toEqual({
      allOf: [
        { rule: 'IS_ENTITY_OWNER', resourceType: 'delivery-canary', params: { claims: ['user:default/ann'] } },
        { not: { rule: 'IS_IN_CLUSTER', resourceType: 'delivery-canary', params: { clusters: ['prod'] } } },
      ],
    });
  });

  it('lets release managers approve in protected clusters', async () => {
    const d = (await policy.handle(
      { permission: deliveryCanaryApprovePermission },
      user(['user:default/rm', 'group:default/release-managers']),
    )) as ConditionalPolicyDecision;
    expect(d.conditions).toEqual({
      anyOf: [
        { rule: 'IS_ENTITY_OWNER', resourceType: 'delivery-canary', params: { claims: ['user:default/rm', 'group:default/release-managers'] } },
        { rule: 'IS_IN_CLUSTER', resourceType: 'delivery-canary', params: { clusters: ['prod'] } },
      ],
    });
  });
});
