import type { Cluster } from '@internal/cluster-harness';

/**
 * The objects Flagger would own around one canary, written by the test instead of a controller, so every state the
 * UI shows is chosen exactly: target and primary Deployments, services, an SMI TrafficSplit, the Canary with its
 * status (through the status subresource, as a controller writes it) and Kubernetes Events about it.
 */

export type Phase = 'Initialized' | 'Progressing' | 'WaitingPromotion' | 'Promoting' | 'Finalising' | 'Succeeded' | 'Failed';

export interface CanaryStatusInput {
  phase: Phase;
  canaryWeight: number;
  failedChecks?: number;
  iterations?: number;
  /** The Promoted condition's message, which the UI shows as the controller's message. */
  message: string;
}

const CANARIES = '/apis/flagger.app/v1beta1/namespaces';
const SPLITS = '/apis/split.smi-spec.io/v1alpha2/namespaces';

/** Thin wrapper over the harness' admin client that throws with the API server's answer on any non-2xx. */
export class ClusterObjects {
  private eventSeq = 0;

  constructor(private readonly cluster: Cluster) {}

  async must<T = unknown>(o: Parameters<Cluster['request']>[0]): Promise<T> {
    const res = await this.cluster.request<T>({ timeoutMs: 10_000, ...o });
    if (res.status >= 300) {
      throw new Error(`${o.method ?? 'GET'} ${o.path}: HTTP ${res.status}: ${res.text.slice(0, 400)}`);
    }
    return res.body;
  }

  async namespace(name: string): Promise<void> {
    await this.must({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  }

  async deployment(ns: string, name: string, image: string, labels: Record<string, string> = {}): Promise<void> {
    const app = name.replace(/-primary$/, '');
    const podLabels = { app: name, ...labels };
    await this.must({
      method: 'POST',
      path: `/apis/apps/v1/namespaces/${ns}/deployments`,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: ns, labels: { app, ...labels } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: podLabels },
            spec: { containers: [{ name: 'podinfod', image, ports: [{ name: 'http', containerPort: 9898 }] }] },
          },
        },
      },
    });
  }

  async setImage(ns: string, name: string, image: string): Promise<void> {
    await this.must({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'podinfod', image }] } } } },
    });
  }

  async service(ns: string, name: string, selectorApp: string): Promise<void> {
    await this.must({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/services`,
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: ns },
        spec: { selector: { app: selectorApp }, ports: [{ name: 'http', port: 9898, targetPort: 9898 }] },
      },
    });
  }

  /**
   * A Linkerd canary as in Flagger's tutorial: 10 % steps up to 50 %, success rate and latency checks, and a
   * manual gate before promotion (the only way Flagger reaches WaitingPromotion).
   */
  async canary(ns: string, name: string): Promise<void> {
    await this.must({
      method: 'POST',
      path: `${CANARIES}/${ns}/canaries`,
      body: {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        metadata: { name, namespace: ns },
        spec: {
          provider: 'linkerd',
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          progressDeadlineSeconds: 600,
          service: { port: 9898, targetPort: 9898 },
          analysis: {
            interval: '30s',
            threshold: 5,
            maxWeight: 50,
            stepWeight: 10,
            metrics: [
              { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
              { name: 'request-duration', thresholdRange: { max: 500 }, interval: '30s' },
            ],
            webhooks: [
              { name: 'confirm-promotion', type: 'confirm-promotion', url: `http://flagger-loadtester.${ns}/gate/check` },
            ],
          },
        },
      },
    });
  }

  async trafficSplit(ns: string, name: string, canaryWeight: number): Promise<void> {
    const body = {
      apiVersion: 'split.smi-spec.io/v1alpha2',
      kind: 'TrafficSplit',
      metadata: { name, namespace: ns },
      spec: {
        service: name,
        backends: [
          { service: `${name}-canary`, weight: canaryWeight },
          { service: `${name}-primary`, weight: 100 - canaryWeight },
        ],
      },
    };
    const existing = await this.cluster.request({ path: `${SPLITS}/${ns}/trafficsplits/${name}` });
    if (existing.status === 404) {
      await this.must({ method: 'POST', path: `${SPLITS}/${ns}/trafficsplits`, body });
    } else {
      await this.must({
        method: 'PATCH',
        path: `${SPLITS}/${ns}/trafficsplits/${name}`,
        contentType: 'application/merge-patch+json',
        body: { spec: body.spec },
      });
    }
  }

  /** Writes `.status` through the status subresource, the only way a controller can. */
  async status(ns: string, name: string, s: CanaryStatusInput): Promise<void> {
    // Whole seconds, as a controller's metav1.Time serialises.
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const promotedStatus: Partial<Record<Phase, string>> = { Succeeded: 'True', Failed: 'False' };
    const promoted = promotedStatus[s.phase] ?? 'Unknown';
    await this.must({
      method: 'PATCH',
      path: `${CANARIES}/${ns}/canaries/${name}/status`,
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          phase: s.phase,
          canaryWeight: s.canaryWeight,
          failedChecks: s.failedChecks ?? 0,
          iterations: s.iterations ?? 0,
          lastTransitionTime: now,
          conditions: [
            { type: 'Promoted', status: promoted, reason: s.phase, message: s.message, lastUpdateTime: now, lastTransitionTime: now },
          ],
        },
      },
    });
  }

  /** One Event about the Canary, as Flagger records them (source component "flagger"). */
  async event(ns: string, canary: string, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date().toISOString();
    this.eventSeq += 1;
    await this.must({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/events`,
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${canary}.ui${Date.now().toString(36)}${this.eventSeq}`, namespace: ns },
        involvedObject: { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: canary, namespace: ns },
        type,
        reason,
        message,
        source: { component: 'flagger' },
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
      },
    });
  }
}

export const OLD_IMAGE = 'ghcr.io/stefanprodan/podinfo:6.5.0';
export const NEW_IMAGE = 'ghcr.io/stefanprodan/podinfo:6.5.1';
export const NEXT_IMAGE = 'ghcr.io/stefanprodan/podinfo:6.5.2';

/**
 * The starting fleet: podinfo (the catalog's demo entity: its target carries the kubernetes-id label) 20 % into a
 * Linkerd canary, and one canary per interesting phase in other namespaces.
 */
export async function seedFleet(k: ClusterObjects): Promise<void> {
  for (const ns of ['test', 'staging', 'payments']) await k.namespace(ns);

  const entity = { 'backstage.io/kubernetes-id': 'podinfo' };
  await k.deployment('test', 'podinfo', NEW_IMAGE, entity);
  await k.deployment('test', 'podinfo-primary', OLD_IMAGE, entity);
  await k.service('test', 'podinfo', 'podinfo-primary');
  await k.service('test', 'podinfo-primary', 'podinfo-primary');
  await k.service('test', 'podinfo-canary', 'podinfo');
  await k.canary('test', 'podinfo');
  await k.trafficSplit('test', 'podinfo', 20);
  await k.status('test', 'podinfo', {
    phase: 'Progressing',
    canaryWeight: 20,
    message: 'New revision detected, progressing canary analysis.',
  });
  for (const message of [
    'New revision detected! Scaling up podinfo.test',
    'Starting canary analysis for podinfo.test',
    'Advance podinfo.test canary weight 10',
    'Advance podinfo.test canary weight 20',
  ]) {
    await k.event('test', 'podinfo', 'Normal', 'Synced', message);
  }

  const others: Array<[string, string, CanaryStatusInput]> = [
    ['staging', 'frontend', { phase: 'Failed', canaryWeight: 0, message: 'Canary analysis failed, Deployment scaled to zero.' }],
    ['payments', 'checkout', { phase: 'WaitingPromotion', canaryWeight: 50, message: 'Waiting for approval.' }],
    ['payments', 'cart', { phase: 'Succeeded', canaryWeight: 0, message: 'Canary analysis completed successfully, promotion finished.' }],
    ['staging', 'search', { phase: 'Progressing', canaryWeight: 10, message: 'New revision detected, progressing canary analysis.' }],
  ];
  for (const [ns, name, status] of others) {
    await k.deployment(ns, name, `registry.example/${name}:2.0.0`);
    await k.deployment(ns, `${name}-primary`, `registry.example/${name}:1.9.0`);
    await k.canary(ns, name);
    await k.status(ns, name, status);
  }
}
