import { FakeKube } from '../testing/fakeKube';
import { podinfoCanary } from './__fixtures__/podinfo';
import { RouterFactory, UnknownProviderError } from './factory';
import { GatewayApiRouter } from './gatewayapi';
import { KubernetesRouter, kubernetesRoutes } from './kubernetes';
import { LinkerdRouter } from './linkerd';
import { NginxRouter } from './nginx';

describe('RouterFactory', () => {
  const kube = new FakeKube();
  const factory = new RouterFactory({
    reader: kube,
    writer: kube,
    defaultProvider: 'linkerd',
  });

  it.each([
    ['kubernetes', KubernetesRouter, 'kubernetes'],
    ['linkerd', LinkerdRouter, 'linkerd'],
    ['smi:v1alpha1', LinkerdRouter, 'smi:v1alpha1'],
    ['smi:v1alpha1:linkerd', LinkerdRouter, 'smi:v1alpha1:linkerd'],
    ['gatewayapi:v1', GatewayApiRouter, 'gatewayapi:v1'],
    ['gatewayapi:v1beta1', GatewayApiRouter, 'gatewayapi:v1beta1'],
    ['nginx', NginxRouter, 'nginx'],
  ])('maps %s', (provider, type, name) => {
    const router = factory.forCanary(podinfoCanary({ spec: { provider } }));
    expect(router).toBeInstanceOf(type);
    expect(router.provider).toBe(name);
  });

  it('uses the default provider when the canary has none', () => {
    expect(factory.forCanary(podinfoCanary())).toBeInstanceOf(LinkerdRouter);
  });

  it.each([
    ['istio', /provider "istio" is not supported/],
    ['gatewayapi', /needs a version: gatewayapi:v1/],
    ['smi:v1alpha2', /only SMI v1alpha1/],
  ])('throws for %s instead of falling back to Istio', (provider, message) => {
    expect(() =>
      factory.forCanary(podinfoCanary({ spec: { provider } })),
    ).toThrow(UnknownProviderError);
    expect(() =>
      factory.forCanary(podinfoCanary({ spec: { provider } })),
    ).toThrow(message);
  });

  it('names the config key when the default provider is unknown', () => {
    const bad = new RouterFactory({
      reader: kube,
      writer: kube,
      defaultProvider: 'istio',
    });
    expect(() => bad.forCanary(podinfoCanary())).toThrow(
      /^delivery\.reconciler\.meshProvider: provider "istio"/,
    );
  });

  it('validates the provider and then the router', () => {
    expect(
      factory.validate(podinfoCanary({ spec: { provider: 'contour' } })),
    ).toEqual([
      expect.objectContaining({
        field: 'spec.provider',
        fix: expect.stringContaining('gatewayapi:v1'),
      }),
    ]);
    expect(
      factory
        .validate(podinfoCanary({ spec: { provider: 'gatewayapi:v1' } }))
        .map(p => p.field),
    ).toEqual(['spec.service.gatewayRefs']);
    expect(factory.validate(podinfoCanary())).toEqual([]);
  });
});

describe('KubernetesRouter', () => {
  it.each([
    [0, { primary: 100, canary: 0, mirrored: false }],
    [1, { primary: 0, canary: 100, mirrored: false }],
    [7, { primary: 0, canary: 100, mirrored: false }],
  ])('reports routes from status.iterations=%d', async (iterations, routes) => {
    expect(kubernetesRoutes(iterations)).toEqual(routes);
    const canary = podinfoCanary({
      spec: { provider: 'kubernetes' },
      status: { iterations },
    });
    expect(await new KubernetesRouter().getRoutes(canary)).toEqual(routes);
  });

  it('writes nothing', async () => {
    const kube = new FakeKube();
    const router = new RouterFactory({
      reader: kube,
      writer: kube,
      defaultProvider: 'kubernetes',
    }).forCanary(podinfoCanary());
    await router.reconcile(podinfoCanary());
    await router.setRoutes(podinfoCanary(), {
      primary: 0,
      canary: 100,
      mirrored: false,
    });
    expect(kube.writes).toEqual([]);
    expect(router.objectRef(podinfoCanary())).toBeUndefined();
  });
});
