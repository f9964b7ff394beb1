import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { JsonObject } from '@backstage/types';
import { CANARY_PHASES, CanaryAction, CanaryRef } from '@delivery/plugin-delivery-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { ActionService } from '../actions/ActionService';
import { ACTION_IDS, ActionId } from '../actions/availability';
import { ActionFleet, ActionGuard, PERMISSIONS, decideForCanary } from '../actions/guard';
import { parseInput } from './validation';

export interface ActionsRouterOptions {
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  guard: ActionGuard;
  service: ActionService;
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const k8sName = (what: string) =>
  z.string().max(253).regex(NAME, `must be a Kubernetes ${what} name (lowercase letters, digits, '-' and '.')`);

const canaryParams = z.object({
  cluster: k8sName('cluster'),
  namespace: k8sName('namespace'),
  name: k8sName('canary'),
});

const actionBody = z
  .object({
    observedPhase: z.enum(['', ...CANARY_PHASES] as [string, ...string[]], {
      error: 'is required: the phase the canary had when you chose the action',
    }),
    observedResourceVersion: z.string({ error: 'is required: metadata.resourceVersion of the canary you saw' }).min(1),
    observedRevision: z.string().max(255).optional(),
    gate: z.string().min(1).max(253).optional(),
    comment: z.string().max(1000, 'must be at most 1000 characters').optional(),
    entityRef: z.string().min(1).optional(),
  })
  .strict();

function normalizeEntityRef(ref: string | undefined): string | undefined {
  if (ref === undefined) return undefined;
  try {
    return stringifyEntityRef(parseEntityRef(ref, { defaultKind: 'component', defaultNamespace: 'default' }));
  } catch (e) {
    throw new InputError(`body.entityRef: ${(e as Error).message}; expected kind:namespace/name`);
  }
}

/** Path of one action route, also used by the UI client and the route × principal matrix test. */
export const actionPath = (id: ActionId) => `/canaries/:cluster/:namespace/:name/actions/${id}`;

/**
 * The mutating routes. Each is registered through `guarded`, so none can skip the sequence: audit event opened →
 * user principal only → input parsed → guard (canary, entity as the user, permission with conditions) → action →
 * audit event closed with the outcome, refused or accepted.
 */
export function createActionsRouter(options: ActionsRouterOptions): express.Router {
  const { httpAuth, auditor, guard, service } = options;
  const router = Router();
  router.use(express.json({ limit: '100kb' }));

  const guarded = (id: ActionId) => async (req: express.Request, res: express.Response) => {
    const meta: JsonObject = { action: id, cluster: req.params.cluster, namespace: req.params.namespace, canary: req.params.name };
    const audit = await auditor.createEvent({ eventId: 'canary-action', severityLevel: 'medium', request: req, meta });
    try {
      // Identity first: a caller who is not a signed-in user learns nothing, not even whether the input is valid.
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      meta.actor = credentials.principal.userEntityRef;
      const ref = parseInput(canaryParams, req.params, 'path');
      const body = parseInput(actionBody, req.body ?? {}, 'body');
      const checked = await guard.check({
        ref,
        credentials,
        permission: PERMISSIONS[id === 'approve' || id === 'reject' ? 'approve' : 'operate'],
        entityRef: normalizeEntityRef(body.entityRef),
        attempt: { action: id, comment: body.comment },
      });
      meta.entityRef = checked.entityRef ?? null;
      meta.before = { phase: checked.canary.status?.phase ?? '', weight: checked.canary.status?.canaryWeight ?? 0 };
      const outcome = await service.perform(id, checked, {
        observed: {
          phase: body.observedPhase as never,
          resourceVersion: body.observedResourceVersion,
          revision: body.observedRevision,
        },
        gate: body.gate,
        comment: body.comment,
      });
      await audit.success({
        meta: {
          ...meta,
          outcome: outcome.changed ? 'accepted' : 'unchanged',
          before: outcome.before,
          after: outcome.after,
          ...(outcome.gate ? { gate: { ...outcome.gate } } : {}),
          ...(body.comment ? { comment: body.comment } : {}),
        },
      });
      res.json(outcome);
    } catch (error) {
      await audit.fail({ error: error as Error, meta: { ...meta, outcome: 'refused' } });
      throw error;
    }
  };

  for (const id of ACTION_IDS) router.post(actionPath(id), guarded(id));
  return router;
}

/**
 * Fills `CanaryDetails.actions` for the caller: only users get actions (a service reading details gets none), and
 * only those their permissions allow for this canary.
 */
export class CanaryActionsView {
  constructor(
    private readonly options: { permissions: PermissionsService; fleet: ActionFleet; service: ActionService },
  ) {}

  async forCaller(credentials: BackstageCredentials, ref: CanaryRef): Promise<CanaryAction[]> {
    const principal = credentials.principal as { type?: string; userEntityRef?: string };
    if (principal.type !== 'user' || !principal.userEntityRef) return [];
    const canary = this.options.fleet.canary(ref);
    if (!canary) return [];
    const [approve, operate] = await decideForCanary(
      this.options.permissions,
      credentials,
      [PERMISSIONS.approve, PERMISSIONS.operate],
      { ...ref, owners: this.options.fleet.owners(ref) },
    );
    const offered = await this.options.service.offered(ref, canary, principal.userEntityRef, { approve, operate });
    return offered.map(({ gateType: _t, ...action }) => action);
  }
}
