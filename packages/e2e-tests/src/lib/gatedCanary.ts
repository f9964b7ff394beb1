import type { ReconcilerEnv } from './reconcilerEnv';

/**
 * A gate webhook of this backend as our reconciler sees it: the host is never called, the reconciler answers URLs of
 * `/api/delivery/gates/...` from the gate store.
 */
export const PROMOTION_GATE = {
  name: 'release-gate',
  type: 'confirm-promotion',
  url: 'http://127.0.0.1:1/api/delivery/gates/confirm-promotion',
};

/** A blue/green canary of two one-second iterations that then waits at {@link PROMOTION_GATE}. */
export function gatedCanarySpec(target: string): Record<string, unknown> {
  return {
    provider: 'kubernetes',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
    service: { port: 9898 },
    analysis: { interval: '1s', threshold: 2, iterations: 2, webhooks: [PROMOTION_GATE] },
  };
}

/**
 * A Deployment labelled `backstage.io/kubernetes-id: <entityId>` (workload and pods), so the fleet ties its canary to
 * the catalog entity with that annotation: owners, audit events and notices then name the entity.
 */
export async function createEntityDeployment(env: ReconcilerEnv, ns: string, name: string, image: string, entityId: string) {
  const labels = { app: name, 'backstage.io/kubernetes-id': entityId };
  await env.must({
    method: 'POST',
    path: `/apis/apps/v1/namespaces/${ns}/deployments`,
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels }, spec: { containers: [{ name: 'podinfod', image }] } },
      },
    },
  });
}
