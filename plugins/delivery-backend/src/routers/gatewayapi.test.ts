import { KINDS } from '../kube/types';
import { FakeKube } from '../testing/fakeKube';
import { podinfoCanary } from './__fixtures__/podinfo';
import {
  GATEWAY_REFS_REQUIRED,
  GatewayApiRouter,
  parentNotReadyError,
  type HttpRoute,
} from './gatewayapi';
import {
  httpRouteRoutes,
  httpRouteSpec,
  mapMatches,
  mergeMatches,
} from './httpRoute';

const gammaRef = {
  group: 'core',
  kind: 'Service',
  name: 'podinfo',
  namespace: 'test',
  port: 9898,
};
const gatewayCanary = (extra: Parameters<typeof podinfoCanary>[0] = {}) =>
  podinfoCanary({
    ...extra,
    spec: {
      ...extra.spec,
      service: { port: 9898, gatewayRefs: [gammaRef], ...extra.spec?.service },
    },
  });

describe('httpRouteSpec', () => {
  it('matches the worked example at canary weight 30 (d.6)', () => {
    const spec = httpRouteSpec(
      gatewayCanary(),
      { primary: 70, canary: 30, mirrored: false },
      'v1',
    );
    expect(spec).toEqual({
      parentRefs: [gammaRef],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [
            {
              group: '',
              kind: 'Service',
              name: 'podinfo-primary',
              port: 9898,
              weight: 70,
            },
            {
              group: '',
              kind: 'Service',
              name: 'podinfo-canary',
              port: 9898,
              weight: 30,
            },
          ],
        },
      ],
    });
  });

  it('builds A/B rules: analysis headers x service matches to the canary rule, service matches to primary only', () => {
    const canary = gatewayCanary({
      spec: {
        service: {
          port: 9898,
          match: [{ uri: { prefix: '/api' } }, { uri: { exact: '/healthz' } }],
        },
      },
      analysis: {
        iterations: 10,
        match: [
          { headers: { 'x-canary': { exact: 'insider' } } },
          { headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } },
        ],
      },
    });
    const spec = httpRouteSpec(
      canary,
      { primary: 0, canary: 100, mirrored: false },
      'v1',
    );
    expect(spec.rules[0].matches).toEqual([
      {
        path: { type: 'PathPrefix', value: '/api' },
        headers: [{ type: 'Exact', name: 'x-canary', value: 'insider' }],
      },
      {
        path: { type: 'Exact', value: '/healthz' },
        headers: [{ type: 'Exact', name: 'x-canary', value: 'insider' }],
      },
      {
        path: { type: 'PathPrefix', value: '/api' },
        headers: [
          {
            type: 'RegularExpression',
            name: 'cookie',
            value: '^(.*?;)?(canary=always)(;.*)?$',
          },
        ],
      },
      {
        path: { type: 'Exact', value: '/healthz' },
        headers: [
          {
            type: 'RegularExpression',
            name: 'cookie',
            value: '^(.*?;)?(canary=always)(;.*)?$',
          },
        ],
      },
    ]);
    expect(spec.rules[0].backendRefs!.map(b => b.weight)).toEqual([0, 100]);
    expect(spec.rules[1]).toEqual({
      matches: [
        { path: { type: 'PathPrefix', value: '/api' } },
        { path: { type: 'Exact', value: '/healthz' } },
      ],
      backendRefs: [
        {
          group: '',
          kind: 'Service',
          name: 'podinfo-primary',
          port: 9898,
          weight: 100,
        },
      ],
    });
  });

  it('adds a RequestMirror filter to the canary only for mirrored Blue/Green', () => {
    const bg = gatewayCanary({ analysis: { iterations: 5, mirror: true } });
    const mirrored = httpRouteSpec(
      bg,
      { primary: 100, canary: 0, mirrored: true },
      'v1',
    );
    expect(mirrored.rules[0].filters).toEqual([
      {
        type: 'RequestMirror',
        requestMirror: {
          backendRef: {
            group: '',
            kind: 'Service',
            name: 'podinfo-canary',
            port: 9898,
          },
        },
      },
    ]);
    expect(httpRouteRoutes(mirrored, bg)).toEqual({
      primary: 100,
      canary: 0,
      mirrored: true,
    });
    const progressive = gatewayCanary({ analysis: { mirror: true } });
    expect(
      httpRouteSpec(
        progressive,
        { primary: 100, canary: 0, mirrored: true },
        'v1',
      ).rules[0].filters,
    ).toBeUndefined();
  });

  it('maps headers, rewrite and timeouts; CORS and timeouts only in v1', () => {
    const canary = gatewayCanary({
      spec: {
        service: {
          port: 9898,
          hosts: ['app.example.com'],
          timeout: '30s',
          headers: { request: { set: { b: '2', a: '1' }, remove: ['x-drop'] } },
          rewrite: { uri: '/v2', type: 'ReplacePrefixMatch' },
          corsPolicy: {
            allowOrigin: ['https://example.com'],
            allowMethods: ['GET'],
            maxAge: '24h',
          },
        },
      },
    });
    const v1 = httpRouteSpec(
      canary,
      { primary: 100, canary: 0, mirrored: false },
      'v1',
    );
    expect(v1.hostnames).toEqual(['app.example.com']);
    expect(v1.rules[0].timeouts).toEqual({ request: '30s' });
    expect(v1.rules[0].filters).toEqual([
      {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: {
          set: [
            { name: 'a', value: '1' },
            { name: 'b', value: '2' },
          ],
          remove: ['x-drop'],
        },
      },
      {
        type: 'URLRewrite',
        urlRewrite: {
          path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' },
        },
      },
      {
        type: 'CORS',
        cors: {
          allowOrigins: ['https://example.com'],
          allowMethods: ['GET'],
          maxAge: 86400,
        },
      },
    ]);
    const v1beta1 = httpRouteSpec(
      canary,
      { primary: 100, canary: 0, mirrored: false },
      'v1beta1',
    );
    expect(v1beta1.rules[0].timeouts).toBeUndefined();
    expect(v1beta1.rules[0].filters!.map(f => f.type)).toEqual([
      'RequestHeaderModifier',
      'URLRewrite',
    ]);
  });

  it('rejects matches Gateway API cannot express', () => {
    expect(() => mapMatches([{ uri: { suffix: '.png' } }])).toThrow(
      /doesn't support the specified path matching selector/,
    );
    expect(() => mapMatches([{ headers: { 'x-a': { prefix: 'b' } } }])).toThrow(
      /header matching selector for x-a/,
    );
  });

  it('merges analysis matches into service matches only when both exist', () => {
    const a = [{ headers: [{ type: 'Exact', name: 'x', value: '1' }] }];
    expect(mergeMatches(a, [])).toBe(a);
    expect(mergeMatches([], a)).toBe(a);
  });
});

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
