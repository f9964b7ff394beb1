import { KINDS } from '../kube/types';
import { FakeKube } from '../testing/fakeKube';
import { gammaRef, gatewayCanary, podinfoCanary } from './__fixtures__/podinfo';
import {
  GATEWAY_REFS_REQUIRED,
  GatewayApiRouter,
  parentNotReadyError,
  type HttpRoute,
} from './gatewayapi';

describe('parentNotReadyError', () => {
  const route = (status: string, observedGeneration: number): HttpRoute => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'podinfo', namespace: 'test', generation: 3 },
    spec: { parentRefs: [gammaRef], rules: [] },
    status: {
      parents: [
        {
          parentRef: gammaRef,
          conditions: [{ type: 'Accepted', status, observedGeneration }],
        },
      ],
    },
  });

  it.each([
    [
      'False',
      3,
      'HTTPRoute podinfo.test parent podinfo is not ready (status: False, observed generation: 3, current generation: 3)',
    ],
    [
      'True',
      2,
      'HTTPRoute podinfo.test parent podinfo is not ready (status: True, observed generation: 2, current generation: 3)',
    ],
  ])('reports Accepted=%s at generation %d', (status, observed, message) => {
    expect(parentNotReadyError(route(status, observed))?.message).toBe(message);
  });

  it('accepts a parent that accepted the current generation', () => {
    expect(parentNotReadyError(route('True', 3))).toBeUndefined();
  });
});

describe('GatewayApiRouter', () => {
  let kube: FakeKube;
  const canary = gatewayCanary({
    spec: { service: { port: 9898, apex: { annotations: { team: 'a' } } } },
  });
  const read = () => kube.get<HttpRoute>(KINDS.httpRouteV1, 'test', 'podinfo')!;
  const accept = () => {
    const live = read();
    kube.replace(
      KINDS.httpRouteV1,
      {
        ...live,
        status: {
          parents: [
            {
              parentRef: gammaRef,
              conditions: [
                {
                  type: 'Accepted',
                  status: 'True',
                  observedGeneration: live.metadata.generation,
                },
              ],
            },
          ],
        },
      },
      'status',
    );
  };

  beforeEach(() => {
    kube = new FakeKube();
  });

  it('creates the route with owner, apex and toolkit annotations; reconcile is idempotent', async () => {
    const router = new GatewayApiRouter({
      reader: kube,
      writer: kube,
      version: 'v1',
    });
    await router.reconcile(canary);
    const created = read();
    expect(created.metadata.annotations).toEqual({
      team: 'a',
      'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
      'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
    });
    expect(created.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Canary',
      uid: 'canary-uid-1',
      controller: true,
    });
    await router.reconcile(canary);
    expect(read().metadata.resourceVersion).toBe(
      created.metadata.resourceVersion,
    );
    expect(read().metadata.generation).toBe(1);
  });

  it('writes and reads weights, refusing to read while the parent has not accepted the new generation', async () => {
    const router = new GatewayApiRouter({
      reader: kube,
      writer: kube,
      version: 'v1',
    });
    await router.reconcile(canary);
    accept();
    await router.setRoutes(canary, {
      primary: 70,
      canary: 30,
      mirrored: false,
    });
    await expect(router.getRoutes(canary)).rejects.toThrow(
      /parent podinfo is not ready \(status: True, observed generation: 1, current generation: 2\)/,
    );
    accept();
    expect(await router.getRoutes(canary)).toEqual({
      primary: 70,
      canary: 30,
      mirrored: false,
    });
    await router.reconcile(canary);
    expect(read().metadata.generation).toBe(2);
  });

  it('keeps annotations other controllers added and tolerates server-side defaults', async () => {
    const router = new GatewayApiRouter({
      reader: kube,
      writer: kube,
      version: 'v1beta1',
    });
    const viaGateway = podinfoCanary({
      spec: {
        service: {
          port: 9898,
          gatewayRefs: [{ name: 'public', namespace: 'gateways' }],
        },
      },
    });
    await router.reconcile(viaGateway);
    const created = kube.get<HttpRoute>(
      KINDS.httpRouteV1beta1,
      'test',
      'podinfo',
    )!;
    expect(created.spec.parentRefs).toEqual([
      { name: 'public', namespace: 'gateways' },
    ]);
    // What an API server hands back: defaulted fields filled in, an annotation from another controller.
    const defaulted = structuredClone(created);
    defaulted.metadata.annotations = {
      ...defaulted.metadata.annotations,
      'aws/route': 'x',
    };
    defaulted.spec.parentRefs = [
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'public',
        namespace: 'gateways',
      },
    ];
    kube.seed(KINDS.httpRouteV1beta1, defaulted);
    const before = kube.get<HttpRoute>(
      KINDS.httpRouteV1beta1,
      'test',
      'podinfo',
    )!.metadata.resourceVersion;
    await router.reconcile(viaGateway);
    const after = kube.get<HttpRoute>(
      KINDS.httpRouteV1beta1,
      'test',
      'podinfo',
    )!;
    expect(after.metadata.resourceVersion).toBe(before);
    expect(after.metadata.annotations?.['aws/route']).toBe('x');
    // v1beta1 does not check parents, so weights read straight away.
    await router.setRoutes(viaGateway, {
      primary: 0,
      canary: 100,
      mirrored: false,
    });
    expect(await router.getRoutes(viaGateway)).toEqual({
      primary: 0,
      canary: 100,
      mirrored: false,
    });
    expect(
      kube.get<HttpRoute>(KINDS.httpRouteV1beta1, 'test', 'podinfo')!.metadata
        .annotations?.['aws/route'],
    ).toBe('x');
  });

  it('preserves mirroring across reconcile during a Blue/Green run', async () => {
    const bg = gatewayCanary({ analysis: { iterations: 3, mirror: true } });
    const router = new GatewayApiRouter({
      reader: kube,
      writer: kube,
      version: 'v1beta1',
    });
    await router.reconcile(bg);
    await router.setRoutes(bg, { primary: 100, canary: 0, mirrored: true });
    await router.reconcile(bg);
    expect(await router.getRoutes(bg)).toEqual({
      primary: 100,
      canary: 0,
      mirrored: true,
    });
    await router.setRoutes(bg, { primary: 0, canary: 100, mirrored: false });
    expect(await router.getRoutes(bg)).toEqual({
      primary: 0,
      canary: 100,
      mirrored: false,
    });
  });

  it("requires gatewayRefs with Flagger's message and a fix", async () => {
    const router = new GatewayApiRouter({
      reader: kube,
      writer: kube,
      version: 'v1',
    });
    const bare = podinfoCanary();
    expect(router.validate(bare)).toEqual([
      expect.objectContaining({
        field: 'spec.service.gatewayRefs',
        message: GATEWAY_REFS_REQUIRED,
        fix: expect.stringContaining(
          'kind: Service, name: podinfo, port: 9898',
        ),
      }),
    ]);
    await expect(router.reconcile(bare)).rejects.toThrow(GATEWAY_REFS_REQUIRED);
  });

  it('reports unsupported matches, progressive mirroring and session affinity', () => {
    const router = new GatewayApiRouter({
      reader: kube,
      writer: kube,
      version: 'v1',
    });
    const bad = gatewayCanary({
      spec: { service: { port: 9898, match: [{ uri: { suffix: '.js' } }] } },
      analysis: { mirror: true, sessionAffinity: { cookieName: 'c' } },
    });
    expect(router.validate(bad).map(p => p.field)).toEqual([
      'spec.analysis.mirror',
      'spec.service.match',
      'spec.analysis.sessionAffinity',
    ]);
  });
});

describe('GatewayApiRouter.finalize (revertOnDeletion)', () => {
  const canary = gatewayCanary();
  const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

  it('gives a taken-over route the spec kubectl last applied, and leaves its own route alone', async () => {
    const kube = new FakeKube();
    const router = new GatewayApiRouter({ reader: kube, writer: kube, version: 'v1' });
    const original = {
      parentRefs: [{ name: 'podinfo', kind: 'Service', group: 'core', port: 9898 }],
      rules: [{ backendRefs: [{ name: 'podinfo', port: 9898 }] }],
    };
    kube.seed(KINDS.httpRouteV1, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        name: 'podinfo',
        namespace: 'test',
        annotations: { [LAST_APPLIED]: JSON.stringify({ spec: original }) },
      },
      spec: original,
    });
    await router.reconcile(canary);
    const taken = kube.get<HttpRoute>(KINDS.httpRouteV1, 'test', 'podinfo')!;
    expect(taken.spec.rules[0].backendRefs?.map(b => b.name)).toEqual(['podinfo-primary', 'podinfo-canary']);
    expect(taken.metadata.ownerReferences).toBeUndefined();

    await router.finalize(canary);
    expect(kube.get<HttpRoute>(KINDS.httpRouteV1, 'test', 'podinfo')!.spec).toEqual(original);

    const owned = new FakeKube();
    const ownRouter = new GatewayApiRouter({ reader: owned, writer: owned, version: 'v1' });
    await ownRouter.reconcile(canary);
    const writes = owned.writes.length;
    await ownRouter.finalize(canary);
    expect(owned.writes.length).toBe(writes);
  });
});
