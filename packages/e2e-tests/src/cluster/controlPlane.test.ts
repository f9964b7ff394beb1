import {
  Cluster,
  startCluster,
  startClusters,
} from '@internal/cluster-harness';
import * as k8s from '@kubernetes/client-node';
import { describeE2e } from '../lib/gate';

jest.setTimeout(300_000);

/** Polls until `read` returns a value `ok` accepts; bounded so a broken cluster fails instead of hanging. */
async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 120_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error(
    `timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(
      0,
      2000,
    )}`,
  );
}

function deployment(
  name: string,
  image: string,
  progressDeadlineSeconds = 600,
): k8s.V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 3,
      progressDeadlineSeconds,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
    },
  };
}

describeE2e('local control plane', () => {
  let cluster: Cluster;
  let apps: k8s.AppsV1Api;
  let core: k8s.CoreV1Api;
  let custom: k8s.CustomObjectsApi;

  beforeAll(async () => {
    cluster = await startCluster({ name: 'cp-test', nodes: 2 });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    core = kc.makeApiClient(k8s.CoreV1Api);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await core.createNamespace({ body: { metadata: { name: 'test' } } });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const availability = (name: string) => async () => {
    const d = await apps.readNamespacedDeployment({ name, namespace: 'test' });
    return {
      generation: d.metadata?.generation,
      observed: d.status?.observedGeneration,
      replicas: d.status?.replicas ?? 0,
      updated: d.status?.updatedReplicas ?? 0,
      available: d.status?.availableReplicas ?? 0,
      progressing: d.status?.conditions?.find(c => c.type === 'Progressing'),
    };
  };

  it('runs a Deployment to availableReplicas == replicas with Ready pods, then rolls out a new image', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'test',
      body: deployment('web', 'podinfo:6.0.0'),
    });
    await waitFor(
      'web available',
      availability('web'),
      s => s.available === 3 && s.observed === s.generation,
    );
    const pods = await core.listNamespacedPod({
      namespace: 'test',
      labelSelector: 'app=web',
    });
    const ready = pods.items.filter(p =>
      p.status?.conditions?.some(
        c => c.type === 'Ready' && c.status === 'True',
      ),
    );
    expect(ready).toHaveLength(3);
    expect(
      pods.items.every(p => p.spec?.nodeName?.startsWith('kwok-node-')),
    ).toBe(true);

    await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'test',
        body: {
          spec: {
            template: {
              spec: { containers: [{ name: 'app', image: 'podinfo:6.0.1' }] },
            },
          },
        },
      },
      k8s.setHeaderOptions(
        'Content-Type',
        k8s.PatchStrategy.StrategicMergePatch,
      ),
    );
    const done = await waitFor(
      'rollout of podinfo:6.0.1',
      availability('web'),
      s =>
        s.observed === s.generation &&
        s.updated === 3 &&
        s.replicas === 3 &&
        s.available === 3,
    );
    expect(done.progressing?.reason).toBe('NewReplicaSetAvailable');
  });

  it('reports ProgressDeadlineExceeded for an image kwok never makes ready', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'test',
      body: deployment('broken', 'podinfo:fail', 10),
    });
    const s = await waitFor(
      'ProgressDeadlineExceeded',
      availability('broken'),
      v => v.progressing?.reason === 'ProgressDeadlineExceeded',
    );
    expect(s.progressing?.status).toBe('False');
    expect(s.available).toBe(0);
  });

  const canary = (name: string, analysis: Record<string, unknown>) => ({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace: 'test' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, ...analysis },
    },
  });
  const canaries = {
    group: 'flagger.app',
    version: 'v1beta1',
    namespace: 'test',
    plural: 'canaries',
  };

  it('validates Canaries with the real CRD schema, serves status, and answers stale updates with 409', async () => {
    // The CRD's oneOf forbids combining iterations with stepWeight.
    const invalid = await cluster.request({
      method: 'POST',
      path: '/apis/flagger.app/v1beta1/namespaces/test/canaries',
      body: canary('bad', { iterations: 10, stepWeight: 10 }),
    });
    expect(invalid.status).toBe(422);
    expect(invalid.text).toMatch(/oneOf|must validate one and only one/i);

    const created = (await custom.createNamespacedCustomObject({
      ...canaries,
      body: canary('podinfo', { stepWeight: 10, maxWeight: 50 }),
    })) as { metadata: { resourceVersion: string } };

    // Status only changes through the status subresource.
    const status = await cluster.request<{ status?: { phase?: string } }>({
      method: 'PATCH',
      path: '/apis/flagger.app/v1beta1/namespaces/test/canaries/podinfo/status',
      contentType: 'application/merge-patch+json',
      body: { status: { phase: 'Initialized', canaryWeight: 0 } },
    });
    expect(status.status).toBe(200);
    expect(status.body.status?.phase).toBe('Initialized');
    const ignored = await cluster.request<{ status?: { phase?: string } }>({
      method: 'PATCH',
      path: '/apis/flagger.app/v1beta1/namespaces/test/canaries/podinfo',
      contentType: 'application/merge-patch+json',
      body: { status: { phase: 'Failed' } },
    });
    expect(ignored.body.status?.phase).toBe('Initialized');

    // An update carrying the resourceVersion from before those writes lost the race.
    const stale = await cluster.request({
      method: 'PUT',
      path: '/apis/flagger.app/v1beta1/namespaces/test/canaries/podinfo',
      body: {
        ...canary('podinfo', { stepWeight: 20, maxWeight: 50 }),
        metadata: {
          name: 'podinfo',
          namespace: 'test',
          resourceVersion: created.metadata.resourceVersion,
        },
      },
    });
    expect(stale.status).toBe(409);
  });

  it('resumes a watch after the API server restarts (watch cache on: 410 then relist, as in production)', async () => {
    const { seen } = await watchAcrossRestart(cluster, 'wc');
    expect([...seen]).toEqual(
      expect.arrayContaining(['wc-before-restart', 'wc-after-restart']),
    );
  });
});

describeE2e('local control plane without the watch cache', () => {
  it('resumes a watch from the exact pre-restart resourceVersion, no relist needed', async () => {
    const c = await startCluster({
      name: 'cp-nowc',
      watchCache: false,
      crds: false,
    });
    try {
      await c.request({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { metadata: { name: 'test' } },
      });
      const { seen, relisted } = await watchAcrossRestart(c, 'nowc');
      expect([...seen]).toEqual(
        expect.arrayContaining(['nowc-before-restart', 'nowc-after-restart']),
      );
      expect(relisted).toBe(false);
    } finally {
      await c.stop();
    }
  });
});

/** Creates a ConfigMap, restarts the API server, creates another, then watches from the first LIST's version. */
async function watchAcrossRestart(cluster: Cluster, prefix: string) {
  const list = await cluster.request<{ metadata: { resourceVersion: string } }>(
    {
      path: '/api/v1/namespaces/test/configmaps',
    },
  );
  let rv = list.body.metadata.resourceVersion;
  await cluster.request({
    method: 'POST',
    path: '/api/v1/namespaces/test/configmaps',
    body: { metadata: { name: `${prefix}-before-restart` }, data: { a: '1' } },
  });
  await cluster.stopApiserver();
  await cluster.startApiserver();
  await cluster.request({
    method: 'POST',
    path: '/api/v1/namespaces/test/configmaps',
    body: { metadata: { name: `${prefix}-after-restart` }, data: { a: '2' } },
  });

  // Watch from the pre-restart resourceVersion: both changes arrive, none is lost. A 410 (watch cache
  // warmed after the restart) is the documented signal to relist, so we follow it the way a client must.
  const seen = new Set<string>();
  const deadline = Date.now() + 60_000;
  let relisted = false;
  while (
    !(
      seen.has(`${prefix}-before-restart`) &&
      seen.has(`${prefix}-after-restart`)
    ) &&
    Date.now() < deadline
  ) {
    const res = await cluster.request<string>({
      path: `/api/v1/namespaces/test/configmaps?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=2`,
      timeoutMs: 10_000,
    });
    for (const line of res.text.split('\n').filter(Boolean)) {
      const event = JSON.parse(line) as {
        type: string;
        object: {
          code?: number;
          metadata?: { name: string; resourceVersion: string };
        };
      };
      if (event.type === 'ERROR' && event.object.code === 410) {
        const again = await cluster.request<{
          metadata: { resourceVersion: string };
          items: Array<{ metadata: { name: string } }>;
        }>({
          path: '/api/v1/namespaces/test/configmaps',
        });
        again.body.items.forEach(i => seen.add(i.metadata.name));
        rv = again.body.metadata.resourceVersion;
        relisted = true;
        continue;
      }
      if (event.object.metadata) {
        if (event.type !== 'BOOKMARK') seen.add(event.object.metadata.name);
        rv = event.object.metadata.resourceVersion;
      }
    }
  }
  return { seen, relisted };
}

describeE2e('several local clusters', () => {
  it('runs three named clusters side by side, each with its own API server', async () => {
    const clusters = await startClusters(['fleet-a', 'fleet-b', 'fleet-c'], {
      nodes: 1,
    });
    try {
      expect(new Set(clusters.map(c => c.server)).size).toBe(3);
      for (const c of clusters) {
        const res = await c.request<{
          items: Array<{ metadata: { name: string } }>;
        }>({ path: '/api/v1/nodes' });
        expect(res.status).toBe(200);
        expect(res.body.items.map(n => n.metadata.name)).toEqual([
          'kwok-node-1',
        ]);
        const crd = await c.request({
          path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/canaries.flagger.app',
        });
        expect(crd.status).toBe(200);
      }
      // Writes to one cluster are invisible to the others.
      await clusters[0].request({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { metadata: { name: 'only-in-a' } },
      });
      const inB = await clusters[1].request({
        path: '/api/v1/namespaces/only-in-a',
      });
      expect(inB.status).toBe(404);
    } finally {
      await Promise.all(clusters.map(c => c.stop()));
    }
  });
});
