import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { CanaryRef, CanarySummary, ClusterHealth, canaryKey } from '@delivery/plugin-delivery-common';
import request from 'supertest';
import { TargetLabels } from '../fleet/entityIndex';
import { deliveryCanaryConditions } from '../permissions/rules';
import { FleetReadModel, createRouter } from './router';

const row = (cluster: string, namespace: string, name: string, extra: Partial<CanarySummary> = {}): CanarySummary =>
  ({
    cluster,
    namespace,
    name,
    strategy: 'canary',
    analysisSkipped: false,
    provider: 'linkerd',
    targetKind: 'Deployment',
    targetName: name,
    phase: 'Succeeded',
    canaryWeight: 0,
    iterations: 0,
    failedChecks: 0,
    threshold: 5,
    primaryImages: [],
    canaryImages: [],
    suspended: false,
    needsAttention: false,
    updatedAt: '2026-01-01T00:00:00Z',
    ...extra,
  }) as CanarySummary;

const rows = [
  row('dev', 'team-a', 'podinfo'),
  row('dev', 'team-b', 'checkout', { phase: 'Failed', needsAttention: true }),
  row('prod', 'team-a', 'podinfo', { phase: 'Progressing', canaryWeight: 20 }),
];
const labels: Record<string, TargetLabels> = {
  'dev/team-a/podinfo': { namespace: 'team-a', labelSets: [{ 'backstage.io/kubernetes-id': 'podinfo' }] },
  'dev/team-b/checkout': { namespace: 'team-b', labelSets: [{ app: 'checkout', tier: 'web' }] },
  'prod/team-a/podinfo': { namespace: 'team-a', labelSets: [{ 'backstage.io/kubernetes-id': 'podinfo' }] },
};
const health: ClusterHealth[] = [
  { name: 'dev', state: 'synced', controller: 'flagger', canaryCount: 2 },
  { name: 'prod', state: 'unreachable', controller: 'flagger', canaryCount: 1, lastSyncTime: '2026-01-01T00:00:00Z' },
];
const fleet: FleetReadModel = {
  clusterHealth: () => health,
  summaries: () => rows,
  summary: (ref: CanaryRef) => rows.find(r => canaryKey(r) === canaryKey(ref)),
  owners: (ref: CanaryRef) => (ref.namespace === 'team-a' ? ['group:default/team-a'] : []),
  targetLabels: (ref: CanaryRef) => labels[canaryKey(ref)],
  // A superset on purpose (every row): the router must still match each candidate exactly.
  rowsForKubernetesId: jest.fn((_id: string) => rows),
};

const entity = (name: string, annotations: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { owner: 'team-a' },
});
const entities = [
  entity('podinfo', { 'backstage.io/kubernetes-id': 'podinfo' }),
  entity('checkout', { 'backstage.io/kubernetes-label-selector': 'app=checkout,tier in (web,api)' }),
  entity('secret-svc', { 'backstage.io/kubernetes-id': 'podinfo' }),
];

const authorizeConditional = jest.fn();

async function startBackend() {
  const testPlugin = createBackendPlugin({
    pluginId: 'delivery',
    register(env) {
      env.registerInit({
        deps: {
          logger: coreServices.logger,
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          permissions: coreServices.permissions,
        },
        async init({ logger, httpRouter, httpAuth, permissions }) {
          httpRouter.use(
            await createRouter({
              logger,
              httpAuth,
              health: fleet,
              permissions,
              fleet,
              // The catalog hides `secret-svc` from everyone but user:default/admin.
              catalog: {
                getEntityByRef: async (ref, { credentials }) => {
                  const e = entities.find(x => `component:default/${x.metadata.name}` === ref);
                  const user = (credentials.principal as { userEntityRef?: string }).userEntityRef;
                  if (e?.metadata.name === 'secret-svc' && user !== 'user:default/admin') return undefined;
                  return e;
                },
              },
              details: {
                details: async ref => ({ ...fleet.summary(ref)!, yaml: 'kind: Canary' }) as never,
              },
            }),
          );
        },
      });
    },
  });
  const { server } = await startTestBackend({
    features: [testPlugin, mockServices.permissions.mock({ authorizeConditional }).factory],
  });
  return server;
}

describe('delivery router', () => {
  beforeEach(() => authorizeConditional.mockReset());
  const allow = () => authorizeConditional.mockResolvedValue([{ result: AuthorizeResult.ALLOW }]);

  it('lists the fleet with filters, counts and cluster health', async () => {
    allow();
    const res = await request(await startBackend()).get('/api/delivery/fleet?cluster=dev&sort=namespace');
    expect(res.status).toBe(200);
    expect(res.body.items.map(canaryKey)).toEqual(['dev/team-a/podinfo', 'dev/team-b/checkout']);
    expect(res.body).toMatchObject({ total: 2, offset: 0, phaseCounts: { Succeeded: 1, Failed: 1 } });
    expect(res.body.clusters.map((c: ClusterHealth) => c.state)).toEqual(['synced', 'unreachable']);
  });

  it('filters by needsAttention and phase lists', async () => {
    allow();
    const server = await startBackend();
    const attention = await request(server).get('/api/delivery/fleet?needsAttention=true');
    expect(attention.body.items.map(canaryKey)).toEqual(['dev/team-b/checkout']);
    const phases = await request(server).get('/api/delivery/fleet?phase=Progressing&phase=Failed&sort=cluster');
    expect(phases.body.items.map(canaryKey)).toEqual(['dev/team-b/checkout', 'prod/team-a/podinfo']);
  });

  it('denies the fleet without delivery.canary.read', async () => {
    authorizeConditional.mockResolvedValue([{ result: AuthorizeResult.DENY }]);
    const res = await request(await startBackend()).get('/api/delivery/fleet');
    expect(res.status).toBe(403);
  });

  it('applies a conditional namespace decision to fleet, entity and detail reads', async () => {
    authorizeConditional.mockResolvedValue([
      {
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'delivery',
        resourceType: 'delivery-canary',
        conditions: deliveryCanaryConditions.isInNamespace({ namespaces: ['team-b'] }),
      },
    ]);
    const server = await startBackend();
    const fleetRes = await request(server).get('/api/delivery/fleet');
    expect(fleetRes.body.items.map(canaryKey)).toEqual(['dev/team-b/checkout']);
    const hidden = await request(server).get('/api/delivery/canaries/dev/team-a/podinfo');
    expect(hidden.status).toBe(404);
    const shown = await request(server).get('/api/delivery/canaries/dev/team-b/checkout');
    expect(shown.status).toBe(200);
    expect(shown.body.yaml).toBe('kind: Canary');
    const entityRes = await request(server).get('/api/delivery/entity-canaries?entityRef=component:default/podinfo');
    expect(entityRes.body.items).toEqual([]);
  });

  it('applies an owner condition using the owners of the matching entities', async () => {
    authorizeConditional.mockResolvedValue([
      {
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'delivery',
        resourceType: 'delivery-canary',
        conditions: deliveryCanaryConditions.isEntityOwner({ claims: ['group:default/team-a'] }),
      },
    ]);
    const res = await request(await startBackend()).get('/api/delivery/fleet?sort=cluster');
    expect(res.body.items.map(canaryKey)).toEqual(['dev/team-a/podinfo', 'prod/team-a/podinfo']);
  });

  it('finds canaries of an entity by kubernetes-id and by label selector', async () => {
    allow();
    const server = await startBackend();
    const byId = await request(server).get('/api/delivery/entity-canaries?entityRef=component:default/podinfo');
    expect(byId.status).toBe(200);
    expect(byId.body.items.map(canaryKey)).toEqual(['dev/team-a/podinfo', 'prod/team-a/podinfo']);
    expect(byId.body.searched).toEqual({
      clusters: ['dev', 'prod'],
      selector: 'backstage.io/kubernetes-id=podinfo',
    });
    expect(byId.body.notInstalled).toBe(false);
    expect(fleet.rowsForKubernetesId).toHaveBeenCalledWith('podinfo');
    (fleet.rowsForKubernetesId as jest.Mock).mockClear();
    const bySelector = await request(server).get('/api/delivery/entity-canaries?entityRef=checkout');
    expect(bySelector.body.items.map(canaryKey)).toEqual(['dev/team-b/checkout']);
    // A label selector cannot be answered from the kubernetes-id index.
    expect(fleet.rowsForKubernetesId).not.toHaveBeenCalled();
  });

  it('answers 404 for an entity the caller cannot see in the catalog', async () => {
    allow();
    const server = await startBackend();
    const res = await request(server).get('/api/delivery/entity-canaries?entityRef=component:default/secret-svc');
    expect(res.status).toBe(404);
    const admin = await request(server)
      .get('/api/delivery/entity-canaries?entityRef=component:default/secret-svc')
      .set('Authorization', mockCredentials.user.header('user:default/admin'));
    expect(admin.status).toBe(200);
  });

  it.each([
    ['/api/delivery/fleet?limit=501', 'query.limit'],
    ['/api/delivery/fleet?limit=abc', 'query.limit'],
    ['/api/delivery/fleet?phase=Exploded', 'query.phase'],
    ['/api/delivery/fleet?sort=size', 'query.sort'],
    ['/api/delivery/fleet?color=red', 'color'],
    ['/api/delivery/entity-canaries', 'query.entityRef'],
    ['/api/delivery/entity-canaries?entityRef=component:default/', 'query.entityRef'],
    ['/api/delivery/canaries/dev/Team_A/podinfo', 'path.namespace'],
  ])('rejects %s with a 400 naming %s', async (url, field) => {
    allow();
    const res = await request(await startBackend()).get(url);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(field);
  });

  it('lists clusters and requires credentials for it', async () => {
    allow();
    const server = await startBackend();
    const res = await request(server).get('/api/delivery/clusters');
    expect(res.body.items.map((c: ClusterHealth) => c.name)).toEqual(['dev', 'prod']);
    const anon = await request(server).get('/api/delivery/clusters').set('Authorization', mockCredentials.none.header());
    expect(anon.status).toBe(401);
  });
});
