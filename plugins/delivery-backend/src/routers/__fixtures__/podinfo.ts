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
