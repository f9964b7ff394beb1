import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import {
  AuthorizeResult,
  PolicyDecision,
  ResourcePermission,
  isPermission,
} from '@backstage/plugin-permission-common';
import {
  Canary,
  CanaryRef,
  CanarySummary,
  deliveryCanaryApprovePermission,
  deliveryCanaryOperatePermission,
} from '@delivery/plugin-delivery-common';
import { readDeliveryConfig } from '../../config';
import { createDeliveryCanaryConditionalDecision, deliveryCanaryConditions } from '../../permissions/rules';
import { createRouter } from '../../service/router';
import { FakeKube } from '../../testing/fakeKube';
import { KINDS, KubeObject } from '../../kube/types';
import { ActorRecord } from '../../history/store';
import { ActionsFeature, createActionsFeature } from '../wiring';

/**
 * A real backend (startTestBackend) with the real action wiring, over an in-memory API server (FakeKube) shared by
 * two clusters: `prod` driven by our reconciler and `edge` by upstream Flagger.
 */

export const USERS = {
  admin: 'user:default/admin',
  owner: 'user:default/owner',
  owner2: 'user:default/owner2',
  otherNamespace: 'user:default/other-ns',
  nobody: 'user:default/nobody',
};
export const ENTITY_REF = 'component:default/podinfo';
export const GATE_URL = 'http://backstage:7007/api/delivery/gates/confirm-promotion';
export const SECRETS = { prod: 'prod-secret', edge: 'edge-secret' };

/** The permission policy of the tests: approve/operate with conditions, like packages/backend's policy. */
export function decide(user: string | undefined, permission: ResourcePermission): PolicyDecision {
  const acting =
    isPermission(permission, deliveryCanaryApprovePermission) || isPermission(permission, deliveryCanaryOperatePermission);
  if (!acting) return { result: AuthorizeResult.ALLOW };
  switch (user) {
    case USERS.admin:
      return { result: AuthorizeResult.ALLOW };
    case USERS.owner:
    case USERS.owner2:
      return createDeliveryCanaryConditionalDecision(
        permission,
        deliveryCanaryConditions.isEntityOwner({ claims: ['group:default/team-a', user] }),
      );
    case USERS.otherNamespace:
      return createDeliveryCanaryConditionalDecision(
        permission,
        deliveryCanaryConditions.isInNamespace({ namespaces: ['team-b'] }),
      );
    default:
      return { result: AuthorizeResult.DENY };
  }
}

export function canary(
  ref: CanaryRef,
  phase: string,
  extra: { suspend?: boolean; annotations?: Record<string, string>; webhooks?: unknown[]; weight?: number } = {},
): Canary & KubeObject {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: ref.name, namespace: ref.namespace, annotations: extra.annotations },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: ref.name },
      service: { port: 9898 },
      suspend: extra.suspend,
      analysis: {
        interval: '1m',
        threshold: 5,
        stepWeight: 10,
        webhooks: extra.webhooks ?? [{ name: 'release-gate', type: 'confirm-promotion', url: GATE_URL }],
      },
    },
    status: { phase, canaryWeight: extra.weight ?? 0, failedChecks: 0, iterations: 0, lastAppliedSpec: 'rev-2' },
  } as unknown as Canary & KubeObject;
}

export function deployment(ref: CanaryRef): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: ref.name, namespace: ref.namespace },
    spec: { replicas: 0, template: { metadata: { labels: { app: ref.name } }, spec: { containers: [] } } },
  };
}

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'podinfo', namespace: 'default' },
  spec: { owner: 'group:default/team-a' },
};

export interface AuditRecord {
  eventId: string;
  meta: Record<string, unknown>;
  status: 'success' | 'fail';
  error?: string;
}

export interface Harness {
  server: Parameters<typeof import('supertest')>[0];
  /** One fake API server per cluster. */
  kube: Record<'prod' | 'edge', FakeKube>;
  audits: AuditRecord[];
  actors: Array<{ ref: CanaryRef } & ActorRecord>;
  notifications: jest.Mock;
  /** Calls the plugin made on behalf of a request: catalog look-ups (entity refs) and permission decisions. */
  calls: { catalog: string[]; authorize: number };
  feature: ActionsFeature;
  /** Seeds a canary (and its Deployment) and returns what the user would send as observed state. */
  seed(ref: CanaryRef, obj: Canary & KubeObject): { observedPhase: string; observedResourceVersion: string };
}

export async function startActionsBackend(options: { requiredApprovals?: number } = {}): Promise<Harness> {
  const kube = { prod: new FakeKube(), edge: new FakeKube() };
  const audits: AuditRecord[] = [];
  const actors: Harness['actors'] = [];
  const notifications = jest.fn(async () => {});
  const calls: Harness['calls'] = { catalog: [], authorize: 0 };
  const config = readDeliveryConfig(
    new ConfigReader({
      delivery: {
        clusters: [
          { name: 'prod', url: 'https://127.0.0.1:1' },
          { name: 'edge', url: 'https://127.0.0.1:2' },
        ],
        reconciler: { enabled: true, clusters: ['prod'] },
        gates: { requiredApprovals: options.requiredApprovals ?? 1, clusterSecrets: SECRETS },
      },
    }),
  );
  const fleet = {
    canary: (ref: CanaryRef) => kube[ref.cluster as 'prod' | 'edge']?.get<Canary & KubeObject>(KINDS.canary, ref.namespace, ref.name),
    summary: (ref: CanaryRef) => {
      const c = fleet.canary(ref);
      return c ? ({ ...ref, phase: c.status?.phase, entityRefs: [ENTITY_REF] } as CanarySummary) : undefined;
    },
    owners: (ref: CanaryRef) => (ref.namespace === 'team-a' ? ['group:default/team-a'] : []),
  };
  let feature: ActionsFeature | undefined;

  const testPlugin = createBackendPlugin({
    pluginId: 'delivery',
    register(env) {
      env.registerInit({
        deps: {
          logger: coreServices.logger,
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          permissions: coreServices.permissions,
          auditor: coreServices.auditor,
          database: coreServices.database,
          scheduler: coreServices.scheduler,
        },
        async init(d) {
          const catalog = {
            getEntityByRef: async (ref: string) => {
              calls.catalog.push(ref);
              return ref === ENTITY_REF ? entity : undefined;
            },
          };
          feature = await createActionsFeature({
            config,
            database: d.database,
            scheduler: d.scheduler,
            logger: d.logger,
            httpAuth: d.httpAuth,
            auditor: d.auditor,
            permissions: d.permissions,
            catalog,
            notifications: { send: notifications },
            fleet,
            history: {
              recordCheck: async () => {},
              recordAction: async (ref, action) => {
                actors.push({ ref, ...action });
              },
            },
            changed: () => {},
            writers: new Map(Object.entries(kube)),
          });
          d.httpRouter.use(
            await createRouter({
              logger: d.logger,
              httpAuth: d.httpAuth,
              health: { clusterHealth: () => [] },
              permissions: d.permissions,
              catalog,
              fleet: {
                clusterHealth: () => [],
                summaries: () => [],
                summary: ref => fleet.summary(ref),
                owners: ref => fleet.owners(ref),
                targetLabels: () => undefined,
              },
              details: { details: async ref => ({ ...fleet.summary(ref)! }) as never },
              actions: feature.actionsView,
            }),
          );
          d.httpRouter.use(feature.routers.actions);
          d.httpRouter.use(feature.routers.flaggerGates);
          d.httpRouter.addAuthPolicy({ path: feature.unauthenticatedPath, allow: 'unauthenticated' });
        },
      });
    },
  });

  const authorizeConditional = jest.fn(async (requests: Array<{ permission: ResourcePermission }>, opts: { credentials: { principal: { userEntityRef?: string } } }) => {
    calls.authorize += 1;
    return requests.map(r => decide(opts.credentials.principal.userEntityRef, r.permission));
  });
  const { server } = await startTestBackend({
    features: [
      testPlugin,
      mockServices.permissions.mock({ authorizeConditional: authorizeConditional as never }).factory,
      mockServices.auditor.mock({
        createEvent: jest.fn(async ({ eventId, meta }) => ({
          success: async (o?: { meta?: object }) => {
            audits.push({ eventId, meta: { ...meta, ...o?.meta }, status: 'success' });
          },
          fail: async (o: { meta?: object; error: Error }) => {
            audits.push({ eventId, meta: { ...meta, ...o.meta }, status: 'fail', error: o.error.message });
          },
        })),
      }).factory,
    ],
  });

  return {
    server,
    kube,
    audits,
    actors,
    notifications,
    calls,
    feature: feature!,
    seed(ref, obj) {
      const k = kube[ref.cluster as 'prod' | 'edge'];
      k.seed(KINDS.deployment, deployment(ref));
      const stored = k.seed(KINDS.canary, obj);
      return { observedPhase: stored.status?.phase ?? '', observedResourceVersion: stored.metadata.resourceVersion! };
    },
  };
}
