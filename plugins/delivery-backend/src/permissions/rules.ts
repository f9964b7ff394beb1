import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import { DELIVERY_CANARY_RESOURCE_TYPE } from '@delivery/plugin-delivery-common';
import { z } from 'zod';

/** What permission rules see of a canary. Owners come from the catalog entities the canary belongs to. */
export interface CanaryPermissionResource {
  cluster: string;
  namespace: string;
  name: string;
  /** Owner refs (`group:default/team-a`) of the entities this canary belongs to. */
  owners: string[];
}

/** Conditions translated into a filter the fleet cache can apply while listing. */
export type CanaryFilter = {
  property: 'cluster' | 'namespace' | 'owner';
  values: string[];
};

export const canaryPermissionResourceRef = createPermissionResourceRef<
  CanaryPermissionResource,
  CanaryFilter
>().with({ pluginId: 'delivery', resourceType: DELIVERY_CANARY_RESOURCE_TYPE });

export const isInCluster = createPermissionRule({
  name: 'IS_IN_CLUSTER',
  description: 'Allow canaries in one of the given clusters',
  resourceRef: canaryPermissionResourceRef,
  paramsSchema: z.object({ clusters: z.array(z.string()).describe('Cluster names') }),
  apply: (resource, { clusters }) => clusters.includes(resource.cluster),
  toQuery: ({ clusters }) => ({ property: 'cluster', values: clusters }),
});

export const isInNamespace = createPermissionRule({
  name: 'IS_IN_NAMESPACE',
  description: 'Allow canaries in one of the given Kubernetes namespaces',
  resourceRef: canaryPermissionResourceRef,
  paramsSchema: z.object({ namespaces: z.array(z.string()).describe('Namespace names') }),
  apply: (resource, { namespaces }) => namespaces.includes(resource.namespace),
  toQuery: ({ namespaces }) => ({ property: 'namespace', values: namespaces }),
});

export const isEntityOwner = createPermissionRule({
  name: 'IS_ENTITY_OWNER',
  description: 'Allow canaries of entities owned by one of the given claims (user and group refs)',
  resourceRef: canaryPermissionResourceRef,
  paramsSchema: z.object({
    claims: z.array(z.string()).describe("Ownership refs, e.g. the user's ownershipEntityRefs"),
  }),
  apply: (resource, { claims }) => resource.owners.some(o => claims.includes(o)),
  toQuery: ({ claims }) => ({ property: 'owner', values: claims }),
});

export const canaryPermissionRules = { isInCluster, isInNamespace, isEntityOwner };

/** For policy authors: `deliveryCanaryConditions.isInNamespace({ namespaces: ['team-a'] })`. */
export const { conditions: deliveryCanaryConditions, createConditionalDecision: createDeliveryCanaryConditionalDecision } =
  createConditionExports({ resourceRef: canaryPermissionResourceRef, rules: canaryPermissionRules });
