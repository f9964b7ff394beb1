import { KINDS } from '../kube/types';
import { FakeKube } from '../testing/fakeKube';
import { podinfoCanary } from './__fixtures__/podinfo';
import {
  NginxAnnotations,
  NginxRouter,
  canaryIngressSpec,
  nginxAbMatch,
  type Ingress,
} from './nginx';

const P = 'nginx.ingress.kubernetes.io';
const TOOLKIT = {
  'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
  'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
};

function userIngress(backend = 'podinfo'): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'podinfo',
      namespace: 'test',
      labels: { app: 'podinfo' },
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': '{}',
        [`${P}/rewrite-target`]: '/',
        [`${P}/canary-weight`]: '50',
      },
    },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'app.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: backend, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

const nginxCanary = (extra: Parameters<typeof podinfoCanary>[0] = {}) =>
  podinfoCanary({
    ...extra,
    spec: {
      ingressRef: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        name: 'podinfo',
      },
      ...extra.spec,
    },
  });

describe('NginxAnnotations', () => {
  const a = new NginxAnnotations();

  it('builds the clean set: user annotations minus canary keys and kubectl copy, plus toolkit and weight 0', () => {
    expect(a.clean(userIngress().metadata.annotations)).toEqual({
      [`${P}/rewrite-target`]: '/',
      ...TOOLKIT,
      [`${P}/canary`]: 'true',
      [`${P}/canary-weight`]: '0',
    });
  });

  it('matches the worked example at canary weight 30 (d.6)', () => {
    const out = a.forRoutes(a.clean({}), 30);
    expect(out[`${P}/canary`]).toBe('true');
    expect(out[`${P}/canary-weight`]).toBe('30');
    expect(a.routes(out, false)).toEqual({
      primary: 70,
      canary: 30,
      mirrored: false,
    });
  });

  it.each([
    [
      { header: 'x-canary', headerValue: 'insider' },
      {
        [`${P}/canary-by-header`]: 'x-canary',
        [`${P}/canary-by-header-value`]: 'insider',
      },
    ],
    [
      { header: 'user-agent', headerPattern: '.*Firefox.*' },
      {
        [`${P}/canary-by-header`]: 'user-agent',
        [`${P}/canary-by-header-pattern`]: '.*Firefox.*',
      },
    ],
    [{ cookie: 'canary' }, { [`${P}/canary-by-cookie`]: 'canary' }],
  ])('routes A/B by %j', (ab, expected) => {
    const out = a.forRoutes(a.clean({}), 100, ab);
    expect(out).toEqual({
      ...TOOLKIT,
      [`${P}/canary`]: 'true',
      [`${P}/canary-weight`]: '0',
      ...expected,
    });
    expect(a.routes(out, true)).toEqual({
      primary: 0,
      canary: 100,
      mirrored: false,
    });
    // Back to weight 0 removes every A/B annotation.
    expect(a.forRoutes(out, 0, ab)).toEqual(a.clean({}));
  });

  it('rejects a weight that is not an integer', () => {
    expect(() => a.routes({ [`${P}/canary-weight`]: 'ten' }, false)).toThrow(
      'failed to convert ten to int',
    );
  });

  it('honours a custom prefix', () => {
    expect(new NginxAnnotations('custom.io').forRoutes({}, 10)).toMatchObject({
      'custom.io/canary-weight': '10',
    });
  });
});

describe('nginxAbMatch and canaryIngressSpec', () => {
  it('takes the last header and cookie of the analysis matches', () => {
    const canary = nginxCanary({
      analysis: {
        iterations: 5,
        match: [
          { headers: { 'x-a': { exact: '1' } } },
          { headers: { cookie: { exact: 'beta' }, 'x-b': { regex: 'b.*' } } },
        ],
      },
    });
    expect(nginxAbMatch(canary)).toEqual({
      cookie: 'beta',
      header: 'x-b',
      headerValue: undefined,
      headerPattern: 'b.*',
    });
  });

  it('renames the apex backend and fails when the ingress does not route to it', () => {
    const spec = canaryIngressSpec(nginxCanary(), userIngress());
    expect(spec.rules![0].http!.paths[0].backend.service!.name).toBe(
      'podinfo-canary',
    );
    expect(() =>
      canaryIngressSpec(nginxCanary(), userIngress('other')),
    ).toThrow('backend podinfo not found in ingress podinfo');
  });
});

describe('NginxRouter', () => {
  let kube: FakeKube;
  let router: NginxRouter;
  const read = () =>
    kube.get<Ingress>(KINDS.ingress, 'test', 'podinfo-canary')!;

  beforeEach(() => {
    kube = new FakeKube();
    kube.seed(KINDS.ingress, userIngress());
    router = new NginxRouter({ reader: kube, writer: kube });
  });

  it('creates <ingress>-canary owned by the canary and leaves the user ingress alone', async () => {
    const canary = nginxCanary();
    const userBefore = kube.get<Ingress>(KINDS.ingress, 'test', 'podinfo');
    await router.reconcile(canary);
    const created = read();
    expect(created.metadata.labels).toEqual({ app: 'podinfo' });
    expect(created.metadata.annotations).toEqual(
      new NginxAnnotations().clean(userIngress().metadata.annotations),
    );
    expect(created.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Canary',
      name: 'podinfo',
      controller: true,
    });
    expect(kube.get<Ingress>(KINDS.ingress, 'test', 'podinfo')).toEqual(
      userBefore,
    );
    await router.reconcile(canary);
    expect(kube.writes).toHaveLength(1);
  });

  it('follows spec changes of the user ingress but keeps the weight annotations', async () => {
    const canary = nginxCanary();
    await router.reconcile(canary);
    await router.setRoutes(canary, {
      primary: 70,
      canary: 30,
      mirrored: false,
    });
    const changed = userIngress();
    changed.spec.rules![0].host = 'new.example.com';
    kube.seed(KINDS.ingress, changed);
    await router.reconcile(canary);
    expect(read().spec.rules![0].host).toBe('new.example.com');
    expect(await router.getRoutes(canary)).toEqual({
      primary: 70,
      canary: 30,
      mirrored: false,
    });
  });

  it('switches an A/B run to header routing and back', async () => {
    const canary = nginxCanary({
      analysis: {
        iterations: 10,
        match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
      },
    });
    await router.reconcile(canary);
    await router.setRoutes(canary, {
      primary: 0,
      canary: 100,
      mirrored: false,
    });
    expect(read().metadata.annotations).toMatchObject({
      [`${P}/canary-by-header`]: 'x-canary',
      [`${P}/canary-by-header-value`]: 'insider',
    });
    expect(await router.getRoutes(canary)).toEqual({
      primary: 0,
      canary: 100,
      mirrored: false,
    });
    await router.setRoutes(canary, {
      primary: 100,
      canary: 0,
      mirrored: false,
    });
    expect(await router.getRoutes(canary)).toEqual({
      primary: 100,
      canary: 0,
      mirrored: false,
    });
  });

  it('fails with Flagger texts when the ingress is missing or not referenced', async () => {
    await expect(
      router.reconcile(
        nginxCanary({
          spec: { ingressRef: { kind: 'Ingress', name: 'nope' } },
        }),
      ),
    ).rejects.toThrow('ingress nope.test get query error: not found');
    await expect(router.getRoutes(podinfoCanary())).rejects.toThrow(
      'ingress selector is empty',
    );
  });

  it('validates ingressRef, A/B matches without headers, and mirroring', () => {
    expect(router.validate(podinfoCanary())).toEqual([
      expect.objectContaining({
        field: 'spec.ingressRef',
        message: 'ingress selector is empty',
        fix: expect.stringContaining('kind: Ingress'),
      }),
    ]);
    const uriOnly = nginxCanary({
      analysis: { iterations: 5, match: [{ uri: { prefix: '/beta' } }] },
    });
    expect(router.validate(uriOnly).map(p => p.field)).toEqual([
      'spec.analysis.match',
    ]);
    expect(
      router
        .validate(nginxCanary({ analysis: { mirror: true } }))
        .map(p => p.field),
    ).toEqual(['spec.analysis.mirror']);
    expect(router.validate(nginxCanary())).toEqual([]);
  });
});
