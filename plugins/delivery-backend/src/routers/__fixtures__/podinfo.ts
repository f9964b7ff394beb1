import type {
  Canary,
  CanaryAnalysis,
  CanarySpec,
} from '@delivery/plugin-delivery-common';

/** The canary of Flagger's worked example (d.6): podinfo in namespace test, port 9898. */
export function podinfoCanary(
  overrides: {
    spec?: Partial<CanarySpec>;
    analysis?: Partial<CanaryAnalysis>;
    status?: Canary['status'];
  } = {},
): Canary {
  const spec: CanarySpec = {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898 },
    ...overrides.spec,
    analysis: {
      interval: '1m',
      threshold: 5,
      maxWeight: 50,
      stepWeight: 10,
      ...overrides.analysis,
    },
  };
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', uid: 'canary-uid-1' },
    spec,
    status: overrides.status,
  };
}

/** Linkerd's GAMMA mode: the HTTPRoute's parent is the apex Service itself. */
export const gammaRef = {
  group: 'core',
  kind: 'Service',
  name: 'podinfo',
  namespace: 'test',
  port: 9898,
};

/** The worked-example canary on the Gateway API router, attached to `gammaRef` unless the overrides say otherwise. */
export const gatewayCanary = (
  extra: Parameters<typeof podinfoCanary>[0] = {},
) =>
  podinfoCanary({
    ...extra,
    spec: {
      ...extra.spec,
      service: { port: 9898, gatewayRefs: [gammaRef], ...extra.spec?.service },
    },
  });
