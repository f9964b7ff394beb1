/* eslint-disable @backstage/no-relative-monorepo-imports -- the e2e package drives the backend's reconciler in-process */
import fs from 'node:fs';
import path from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { startCluster, type Cluster } from '@internal/cluster-harness';
import { ClusterCache } from '../../../../plugins/delivery-backend/src/kube/cache';
import { KubeHttpClient } from '../../../../plugins/delivery-backend/src/kube/clusters';
import { reconcilerProjectorFor } from '../../../../plugins/delivery-backend/src/kube/projectors';
import { KINDS, type KubeObject } from '../../../../plugins/delivery-backend/src/kube/types';
import type { ClusterConfig } from '../../../../plugins/delivery-backend/src/config';
import {
  ClusterReconciler,
  createClusterReconciler,
} from '../../../../plugins/delivery-backend/src/reconciler/reconciler';
import { repoRoot } from './backend';

/**
 * A real local cluster (RBAC on) where the reconciler runs in this process as a ServiceAccount bound only to
 * `deploy/rbac/reconciler-clusterrole.yaml`, so every test also proves the role is sufficient. Each reconciler
 * instance has its own cache, clients and lease, as a separate backend replica would.
 */

export const RBAC_YAML = path.join(repoRoot, 'plugins/delivery-backend/deploy/rbac/reconciler-clusterrole.yaml');
export const SA_NAMESPACE = 'backstage-delivery';

/** A logger that stays quiet unless DELIVERY_E2E_LOG is set (then it appends to that file). */
export function testLogger(prefix = ''): LoggerService {
  const file = process.env.DELIVERY_E2E_LOG;
  const write = (level: string) => (msg: string) => {
    if (file) fs.appendFileSync(file, `${new Date().toISOString()} ${level} ${prefix}${msg}\n`);
  };
  const logger: LoggerService = {
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    child: meta => testLogger(`${prefix}${Object.values(meta).join('/')} `),
  };
  return logger;
}

function pathFor(doc: string): string {
  const kind = /^kind:\s*(\S+)/m.exec(doc)?.[1];
  const ns = /^\s+namespace:\s*(\S+)/m.exec(doc)?.[1];
  switch (kind) {
    case 'ClusterRole':
      return '/apis/rbac.authorization.k8s.io/v1/clusterroles';
    case 'ClusterRoleBinding':
      return '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings';
    case 'Role':
      return `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`;
    case 'RoleBinding':
      return `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`;
    case 'ServiceAccount':
      return `/api/v1/namespaces/${ns}/serviceaccounts`;
    default:
      throw new Error(`${RBAC_YAML}: unexpected kind ${kind}`);
  }
}

export class ReconcilerEnv {
  private readonly instances = new Set<{ stop(): Promise<void> }>();

  constructor(readonly cluster: Cluster) {}

  static async start(options: { name: string; audit?: boolean }): Promise<ReconcilerEnv> {
    const cluster = await startCluster({ name: options.name, audit: options.audit, nodes: 2 });
    const env = new ReconcilerEnv(cluster);
    await env.ensureNamespace(SA_NAMESPACE);
    for (const doc of fs.readFileSync(RBAC_YAML, 'utf8').split(/^---$/m)) {
      if (!doc.trim()) continue;
      await env.must({ method: 'POST', path: pathFor(doc), body: doc, contentType: 'application/yaml' });
    }
    return env;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.instances].map(i => i.stop()));
    await this.cluster.stop();
  }

  async must<T = any>(o: Parameters<Cluster['request']>[0]): Promise<T> {
    const res = await this.cluster.request<T>(o);
    if (res.status >= 300) throw new Error(`${o.method ?? 'GET'} ${o.path}: HTTP ${res.status}: ${res.text.slice(0, 500)}`);
    return res.body;
  }

  async ensureNamespace(name: string): Promise<void> {
    const res = await this.cluster.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    });
    if (res.status >= 300 && res.status !== 409) throw new Error(`namespace ${name}: ${res.text}`);
  }

  /**
   * A token for a ServiceAccount bound to the reconciler ClusterRole and lease Role (the YAML binds
   * `delivery-reconciler`; other names get the same bindings here, so audit logs can tell replicas apart).
   */
  async serviceAccountToken(name = 'delivery-reconciler'): Promise<string> {
    if (name !== 'delivery-reconciler') {
      await this.must({
        method: 'POST',
        path: `/api/v1/namespaces/${SA_NAMESPACE}/serviceaccounts`,
        body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } },
      });
      const subjects = [{ kind: 'ServiceAccount', name, namespace: SA_NAMESPACE }];
      await this.must({
        method: 'POST',
        path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'delivery-reconciler' },
          subjects,
        },
      });
      await this.must({
        method: 'POST',
        path: '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings',
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name, namespace: 'kube-system' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'delivery-reconciler-lease' },
          subjects,
        },
      });
    }
    const res = await this.must<{ status: { token: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${SA_NAMESPACE}/serviceaccounts/${name}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 7200 } },
    });
    return res.status.token;
  }

  clusterConfig(token: string): ClusterConfig {
    return {
      name: this.cluster.name,
      url: this.cluster.server,
      serviceAccountToken: token,
      caData: this.cluster.caData,
      skipTLSVerify: false,
    };
  }

  /** Starts one reconciler "replica". `kill()` stops it hard: no lease release, ticks aborted. */
  async startReconciler(o: {
    token: string;
    identity: string;
    namespaces: string[];
    leaseName: string;
    metricsServer?: string;
    meshProvider?: string;
    workers?: number;
    onTickStart?: () => void;
  }): Promise<{ reconciler: ClusterReconciler; cache: ClusterCache; kill(): Promise<void> }> {
    const cluster = this.clusterConfig(o.token);
    const logger = testLogger(`${o.identity} `);
    // The projection the plugin uses where it reconciles (createFleet), so promotion is tested against it.
    const cache = new ClusterCache({ transport: new KubeHttpClient({ cluster }), logger, projectorFor: reconcilerProjectorFor });
    const reconciler = createClusterReconciler({
      cluster,
      cache,
      logger,
      identity: o.identity,
      onTickStart: o.onTickStart,
      config: {
        namespaces: o.namespaces,
        metricsServer: o.metricsServer ?? 'http://127.0.0.1:1',
        meshProvider: o.meshProvider ?? 'kubernetes',
        workers: o.workers ?? 8,
        maxQueriesPerEndpoint: 8,
        leaseNamespace: 'kube-system',
        leaseName: o.leaseName,
        minIntervalSeconds: 1,
      },
    });
    const instance = {
      reconciler,
      cache,
      kill: async () => {
        this.instances.delete(instance);
        await reconciler.stop();
        await cache.stop();
      },
      stop: async () => instance.kill(),
    };
    this.instances.add(instance);
    reconciler.start();
    return instance;
  }

  private observerCache?: ClusterCache;

  /** A cache with admin credentials for the tests' own watches (events, routes), apart from the reconcilers'. */
  observer(): ClusterCache {
    if (!this.observerCache) {
      const cluster = this.clusterConfig(this.cluster.token);
      const cache = new ClusterCache({ transport: new KubeHttpClient({ cluster }), logger: testLogger('observer ') });
      this.observerCache = cache;
      this.instances.add({ stop: () => cache.stop() });
    }
    return this.observerCache;
  }

  // ---- objects the tests create and read (admin credentials) ----

  async createDeployment(ns: string, name: string, image: string, extra: Record<string, unknown> = {}) {
    await this.must({
      method: 'POST',
      path: `/apis/apps/v1/namespaces/${ns}/deployments`,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: ns, labels: { app: name } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'podinfod', image, ports: [{ name: 'http', containerPort: 9898 }] }] },
          },
          ...extra,
        },
      },
    });
  }

  async createCanary(ns: string, name: string, spec: Record<string, unknown>) {
    await this.must({
      method: 'POST',
      path: `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries`,
      body: { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name, namespace: ns }, spec },
    });
  }

  async setImage(ns: string, name: string, image: string) {
    await this.must({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'podinfod', image }] } } } },
    });
  }

  async patchCanary(ns: string, name: string, patch: unknown) {
    await this.must({
      method: 'PATCH',
      path: `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/${name}`,
      contentType: 'application/merge-patch+json',
      body: patch,
    });
  }

  async canary(ns: string, name: string): Promise<KubeObject & { status?: Record<string, any> }> {
    return this.must({ path: `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/${name}` });
  }

  async deployment(ns: string, name: string): Promise<any> {
    return this.must({ path: `/apis/apps/v1/namespaces/${ns}/deployments/${name}` });
  }

  async trafficSplitWeights(ns: string, name: string): Promise<{ primary: number; canary: number }> {
    const ts = await this.must<any>({ path: `/apis/split.smi-spec.io/v1alpha1/namespaces/${ns}/trafficsplits/${name}` });
    const w = (svc: string) => Number(ts.spec.backends.find((b: any) => b.service === svc)?.weight);
    return { primary: w(`${name}-primary`), canary: w(`${name}-canary`) };
  }

  /** Events on one canary, oldest first by creation (resourceVersion order of their first write). */
  async canaryEvents(ns: string, name: string): Promise<Array<{ type: string; message: string; count: number }>> {
    const list = await this.must<{ items: any[] }>({
      path: `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(
        `involvedObject.kind=Canary,involvedObject.name=${name}`,
      )}`,
    });
    return list.items.map(e => ({ type: e.type, message: e.message, count: e.count ?? 1 }));
  }

  async waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 200) {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const v = await probe();
        if (v) return v;
      } catch (e) {
        last = e;
      }
      await new Promise(r => setTimeout(r, everyMs));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
  }

  async waitPhase(ns: string, name: string, phase: string, timeoutMs = 60_000) {
    return this.waitFor(
      `${ns}/${name} phase ${phase}`,
      async () => ((await this.canary(ns, name)).status?.phase === phase ? (await this.canary(ns, name)) : undefined),
      timeoutMs,
    );
  }
}

/** Records the order in which Canary events first appear, from a watch (creation order, no timestamp ties). */
export function eventRecorder(cache: ClusterCache, ns: string, name: string) {
  const seen: Array<{ type: string; message: string }> = [];
  const lw = cache.watch({ kind: KINDS.event });
  const off = lw.subscribe(e => {
    const ev = e.object as KubeObject & { involvedObject?: { name?: string; kind?: string }; type?: string; message?: string };
    if (e.type !== 'add' || ev.metadata.namespace !== ns || ev.involvedObject?.name !== name) return;
    if (ev.involvedObject?.kind !== 'Canary') return;
    seen.push({ type: ev.type ?? '', message: ev.message ?? '' });
  });
  return { seen, stop: off };
}

/** Records every change of a TrafficSplit's canary weight, with the time it was seen. */
export function weightRecorder(cache: ClusterCache, ns: string, name: string) {
  const weights: Array<{ canary: number; at: number }> = [];
  const lw = cache.watch({ kind: KINDS.trafficSplit });
  const off = lw.subscribe(e => {
    if (e.object.metadata.namespace !== ns || e.object.metadata.name !== name || e.type === 'delete') return;
    const backends = (e.object as any).spec?.backends ?? [];
    const canary = Number(backends.find((b: any) => b.service === `${name}-canary`)?.weight);
    if (weights[weights.length - 1]?.canary !== canary) weights.push({ canary, at: Date.now() });
  });
  return { weights, stop: off };
}

export interface AuditEntry {
  verb: string;
  user: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  at: number;
}

/**
 * Reads the API server audit log (every file: the server may rotate it), ResponseComplete lines received at or
 * after `since` (ms).
 */
export function readAudit(file: string, since = 0): AuditEntry[] {
  const dir = path.dirname(file);
  const entries: AuditEntry[] = [];
  for (const name of fs.readdirSync(dir).filter(f => /^audit.*\.log$/.test(f))) {
    for (const line of fs.readFileSync(path.join(dir, name), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line);
      const at = Date.parse(e.requestReceivedTimestamp);
      if (e.stage !== 'ResponseComplete' || at < since) continue;
      entries.push({
        verb: e.verb,
        user: e.user?.username ?? '',
        resource: e.objectRef?.resource,
        subresource: e.objectRef?.subresource,
        namespace: e.objectRef?.namespace,
        name: e.objectRef?.name,
        at,
      });
    }
  }
  return entries.sort((a, b) => a.at - b.at);
}

export const saUser = (name: string) => `system:serviceaccount:${SA_NAMESPACE}:${name}`;
