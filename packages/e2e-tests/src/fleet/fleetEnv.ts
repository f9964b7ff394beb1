/* eslint-disable @backstage/no-relative-monorepo-imports -- the fleet suites drive the backend's aggregator in-process */
import fs from 'node:fs';
import path from 'node:path';
import { startClusters, type Cluster } from '@internal/cluster-harness';
import type { ClusterConfig } from '../../../../plugins/delivery-backend/src/config';
import type { ClusterCache } from '../../../../plugins/delivery-backend/src/kube/cache';
import { resourcePath } from '../../../../plugins/delivery-backend/src/kube/clusters';
import type { ResourceKind } from '../../../../plugins/delivery-backend/src/kube/types';
import { repoRoot } from '../lib/backend';

export const AGGREGATOR_RBAC = path.join(repoRoot, 'plugins/delivery-backend/deploy/rbac/aggregator-clusterrole.yaml');
const SA_NAMESPACE = 'backstage-delivery';

export const IMAGE_OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0';
export const IMAGE_NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';

/** Polls `check` until it returns true; bounded so a broken wiring fails with `what` instead of hanging. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise(r => setTimeout(r, everyMs));
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The same entries in name order, so two views compare equal whatever order they were built in. */
export function byName(entries: Array<[string, string]>): Record<string, string> {
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
}

/** name → resourceVersion of every object of `kind` in `namespace`, as held by an aggregator cache. */
export function cacheView(cache: ClusterCache, kind: ResourceKind, namespace: string): Record<string, string> {
  return byName((cache.informer(kind)?.list(namespace) ?? []).map(o => [o.metadata.name, o.metadata.resourceVersion ?? '']));
}

const RBAC_PATHS: Record<string, (ns?: string) => string> = {
  ClusterRole: () => '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  ClusterRoleBinding: () => '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  ServiceAccount: ns => `/api/v1/namespaces/${ns}/serviceaccounts`,
  Secret: ns => `/api/v1/namespaces/${ns}/secrets`,
};

/** Local clusters (RBAC on) plus the object helpers the fleet suites share. All writes use the admin token. */
export class FleetClusters {
  private readonly rbacApplied = new Set<string>();

  private constructor(readonly clusters: Cluster[]) {}

  static async start(names: string[]): Promise<FleetClusters> {
    return new FleetClusters(await startClusters(names, { nodes: 1 }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.clusters.map(c => c.stop()));
  }

  async must<T = any>(cluster: Cluster, o: Parameters<Cluster['request']>[0]): Promise<T> {
    const res = await cluster.request<T>(o);
    if (res.status >= 300) {
      throw new Error(`${cluster.name}: ${o.method ?? 'GET'} ${o.path}: HTTP ${res.status}: ${res.text.slice(0, 500)}`);
    }
    return res.body;
  }

  async ensureNamespace(cluster: Cluster, name: string): Promise<void> {
    const res = await cluster.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    });
    if (res.status >= 300 && res.status !== 409) throw new Error(`namespace ${name}: ${res.text}`);
  }

  config(cluster: Cluster, token = cluster.token): ClusterConfig {
    return { name: cluster.name, url: cluster.server, serviceAccountToken: token, caData: cluster.caData, skipTLSVerify: false };
  }

  /**
   * A short-lived token of the aggregator's ServiceAccount after applying `deploy/rbac/aggregator-clusterrole.yaml`
   * as shipped: the only rights the token has are the ones that file grants.
   */
  async aggregatorToken(cluster: Cluster): Promise<string> {
    if (!this.rbacApplied.has(cluster.name)) {
      await this.ensureNamespace(cluster, SA_NAMESPACE);
      for (const doc of fs.readFileSync(AGGREGATOR_RBAC, 'utf8').split(/^---$/m)) {
        if (!doc.trim()) continue;
        const kind = /^kind:\s*(\S+)/m.exec(doc)?.[1] ?? '';
        const ns = /^\s+namespace:\s*(\S+)/m.exec(doc)?.[1];
        const pathOf = RBAC_PATHS[kind];
        if (!pathOf) throw new Error(`${AGGREGATOR_RBAC}: unexpected kind ${kind}; teach fleetEnv.ts where it is created`);
        await this.must(cluster, { method: 'POST', path: pathOf(ns), body: doc, contentType: 'application/yaml' });
      }
      this.rbacApplied.add(cluster.name);
    }
    const res = await this.must<{ status: { token: string } }>(cluster, {
      method: 'POST',
      path: `/api/v1/namespaces/${SA_NAMESPACE}/serviceaccounts/delivery-aggregator/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    });
    return res.status.token;
  }

  async createDeployment(cluster: Cluster, ns: string, name: string, image: string, labels: Record<string, string> = {}) {
    await this.must(cluster, {
      method: 'POST',
      path: `/apis/apps/v1/namespaces/${ns}/deployments`,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: ns, labels: { app: name, ...labels } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name, ...labels } },
            spec: { containers: [{ name: 'podinfod', image }] },
          },
        },
      },
    });
  }

  /**
   * A canary as upstream Flagger leaves it mid-rollout: the target (new image), its `-primary` twin (old image),
   * the Canary, and its status written through the status subresource.
   */
  async createCanary(
    cluster: Cluster,
    ns: string,
    name: string,
    status: Record<string, unknown>,
    labels: Record<string, string> = {},
  ): Promise<void> {
    await this.createDeployment(cluster, ns, name, IMAGE_NEW, labels);
    await this.createDeployment(cluster, ns, `${name}-primary`, IMAGE_OLD, labels);
    await this.must(cluster, {
      method: 'POST',
      path: `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries`,
      body: {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        metadata: { name, namespace: ns },
        spec: {
          provider: 'linkerd',
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          service: { port: 9898 },
          analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
        },
      },
    });
    await this.setStatus(cluster, ns, name, status);
  }

  async setStatus(cluster: Cluster, ns: string, name: string, status: Record<string, unknown>): Promise<void> {
    await this.must(cluster, {
      method: 'PATCH',
      path: `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/${name}/status`,
      contentType: 'application/merge-patch+json',
      body: { status },
    });
  }

  async deleteCanary(cluster: Cluster, ns: string, name: string): Promise<void> {
    await this.must(cluster, { method: 'DELETE', path: `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/${name}` });
  }

  /** name → resourceVersion from a fresh LIST (admin token), to compare a cache with. */
  async freshList(cluster: Cluster, kind: ResourceKind, ns: string): Promise<Record<string, string>> {
    const list = await this.must<{ items: Array<{ metadata: { name: string; resourceVersion: string } }> }>(cluster, {
      path: resourcePath(kind, ns),
    });
    return byName(list.items.map(i => [i.metadata.name, i.metadata.resourceVersion]));
  }
}

/** A Flagger status in the middle of a canary run. */
export function progressingStatus(weight: number, message = 'New revision detected! Scaling up podinfo') {
  return {
    phase: 'Progressing',
    canaryWeight: weight,
    failedChecks: 0,
    iterations: 0,
    lastTransitionTime: new Date().toISOString(),
    conditions: [
      {
        type: 'Promoted',
        status: 'Unknown',
        reason: 'Progressing',
        message,
        lastUpdateTime: new Date().toISOString(),
        lastTransitionTime: new Date().toISOString(),
      },
    ],
  };
}
