import { BackstageCredentials, BackstageUserPrincipal, PermissionsService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult, ResourcePermission, PermissionCriteria } from '@backstage/plugin-permission-common';
import { createConditionTransformer } from '@backstage/plugin-permission-node';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  Canary,
  CanaryRef,
  CanarySummary,
  canaryKey,
  deliveryCanaryApprovePermission,
  deliveryCanaryOperatePermission,
} from '@delivery/plugin-delivery-common';
import { CanaryFilter, CanaryPermissionResource, canaryPermissionRules } from '../permissions/rules';
import { matchesCanaryFilter } from '../service/canaryAccess';
import { ActionHistory } from './actionHistory';

const { isInCluster, isInNamespace, isEntityOwner } = canaryPermissionRules;
const transform = createConditionTransformer([isInCluster, isInNamespace, isEntityOwner]);

/** The cached view of canaries the guard and the actions read. */
export interface ActionFleet {
  summary(ref: CanaryRef): CanarySummary | undefined;
  canary(ref: CanaryRef): Canary | undefined;
  owners(ref: CanaryRef): string[];
}

/** Everything an action may rely on once the guard let it through. */
export interface GuardedRequest {
  ref: CanaryRef;
  user: string;
  credentials: BackstageCredentials<BackstageUserPrincipal>;
  canary: Canary;
  summary?: CanarySummary;
  entityRef?: string;
  entity?: Entity;
}

export const PERMISSIONS = {
  approve: deliveryCanaryApprovePermission,
  operate: deliveryCanaryOperatePermission,
} satisfies Record<string, ResourcePermission>;

/**
 * Decides `permission` for one canary: ALLOW, or CONDITIONAL with conditions that hold for this canary's cluster,
 * namespace and owners. One round trip for every permission asked.
 */
export async function decideForCanary(
  permissions: PermissionsService,
  credentials: BackstageCredentials,
  asked: ResourcePermission[],
  resource: CanaryPermissionResource,
): Promise<boolean[]> {
  const decisions = await permissions.authorizeConditional(
    asked.map(permission => ({ permission })),
    { credentials },
  );
  return decisions.map(d => {
    if (d.result === AuthorizeResult.ALLOW) return true;
    if (d.result !== AuthorizeResult.CONDITIONAL) return false;
    return matchesCanaryFilter(transform(d.conditions) as PermissionCriteria<CanaryFilter>, resource);
  });
}

export interface ActionGuardOptions {
  fleet: ActionFleet;
  permissions: PermissionsService;
  catalog: Pick<CatalogService, 'getEntityByRef'>;
  /** Where a permission refusal is recorded for the run history; the audit event is the route's. */
  history?: ActionHistory;
}

/**
 * The one guard every mutating route goes through, after `httpAuth.credentials(req, { allow: ['user'] })`:
 * find the canary, resolve its entity through the catalog as the user (an entity they cannot see is not found),
 * then authorize the permission with its conditions for this canary.
 */
export class ActionGuard {
  constructor(private readonly options: ActionGuardOptions) {}

  async check(input: {
    ref: CanaryRef;
    credentials: BackstageCredentials<BackstageUserPrincipal>;
    permission: ResourcePermission;
    entityRef?: string;
    /** The action asked for, so a refusal can be recorded as an attempt at it. */
    attempt?: { action: string; comment?: string };
  }): Promise<GuardedRequest> {
    const { fleet, catalog, permissions } = this.options;
    const { ref, credentials } = input;
    const key = canaryKey(ref);
    const canary = fleet.canary(ref);
    if (!canary) throw new NotFoundError(`canary ${key} not found (or its cluster has not synced yet)`);
    const summary = fleet.summary(ref);
    const known = summary?.entityRefs ?? [];
    if (input.entityRef !== undefined && !known.includes(input.entityRef)) {
      throw new InputError(
        `body.entityRef: canary ${key} does not belong to ${input.entityRef}; it belongs to ${known.join(', ') || 'no catalog entity'}`,
      );
    }
    const entityRef = input.entityRef ?? known[0];
    const entity = entityRef ? await catalog.getEntityByRef(entityRef, { credentials }) : undefined;
    if (entityRef && !entity) throw new NotFoundError(`entity ${entityRef} not found`);

    const [allowed] = await decideForCanary(permissions, credentials, [input.permission], {
      ...ref,
      owners: fleet.owners(ref),
    });
    const user = credentials.principal.userEntityRef;
    if (!allowed) {
      const error = new NotAllowedError(`${input.permission.name} is not granted to you for canary ${key}`);
      if (input.attempt) await this.options.history?.refused({ ref, user, ...input.attempt, canary, error });
      throw error;
    }
    return { ref, user, credentials, canary, summary, entityRef, entity };
  }
}
