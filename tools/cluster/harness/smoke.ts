/*
 * Smoke test of the local control plane, run by tools/cluster/smoke.sh:
 * proves once, against real Kubernetes controllers, each behaviour the
 * Delivery tests rely on. Prints one line per check and a closing
 * "N passed, N failed" line; exits non-zero on any failure.
 *
 *   node --experimental-strip-types tools/cluster/harness/smoke.ts   (Node 22)
 */
import { startCluster, startClusters } from './index.ts';
import type { Cluster, Response } from './index.ts';
import * as fs from 'node:fs';

type Obj = Record<string, any>;

const ns = 'default';
const results: Array<{ name: string; ok: boolean; ms: number; note: string }> =
  [];

async function check(
  name: string,
  fn: () => Promise<string | void>,
): Promise<void> {
  const t0 = Date.now();
  try {
    const note = (await fn()) ?? '';
    results.push({ name, ok: true, ms: Date.now() - t0, note });
    console.log(`ok   ${name} (${Date.now() - t0} ms) ${note}`);
  } catch (err) {
    results.push({ name, ok: false, ms: Date.now() - t0, note: String(err) });
    console.log(
      `FAIL ${name} (${Date.now() - t0} ms) ${
        err instanceof Error ? err.stack : err
      }`,
    );
  }
}

function expectStatus(r: Response, ...want: number[]): void {
  if (!want.includes(r.status))
    throw new Error(
      `expected HTTP ${want.join('/')}, got ${r.status}: ${r.text.slice(
        0,
        400,
      )}`,
    );
}

async function poll<T>(
  what: string,
  timeoutMs: number,
  fn: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise(r => setTimeout(r, 200));
  }
}

function deployment(
  name: string,
  image: string,
  progressDeadlineSeconds = 600,
): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 3,
      progressDeadlineSeconds,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'app', image, ports: [{ containerPort: 9898 }] },
          ],
        },
      },
    },
  };
}

const depPath = (name = '') =>
  `/apis/apps/v1/namespaces/${ns}/deployments${name ? `/${name}` : ''}`;
const canaryPath = (name = '') =>
  `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries${
    name ? `/${name}` : ''
  }`;
const cond = (o: Obj, type: string): Obj | undefined =>
  (o.status?.conditions ?? []).find((c: Obj) => c.type === type);

function canary(name: string, analysis: Obj): Obj {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace: ns },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis,
    },
  };
}

async function deploymentAvailable(
  c: Cluster,
  name: string,
  generation?: number,
): Promise<Obj | undefined> {
  const d = (await c.request<Obj>({ path: depPath(name) })).body;
  const s = d.status ?? {};
  const done =
    s.observedGeneration >= (generation ?? d.metadata.generation) &&
    s.updatedReplicas === d.spec.replicas &&
    s.replicas === d.spec.replicas &&
    s.availableReplicas === d.spec.replicas &&
    cond(d, 'Progressing')?.reason === 'NewReplicaSetAvailable';
  return done ? d : undefined;
}

/**
 * Write A, remember its resourceVersion, restart the API server (same port,
 * same etcd), write B, then watch from A's resourceVersion: the watch must
 * deliver B (resumed) or, with the watch cache on, may answer 410 Expired.
 */
async function restartAndResume(
  c: Cluster,
): Promise<{ resumed: boolean; expired: boolean; note: string }> {
  const cms = `/api/v1/namespaces/${ns}/configmaps`;
  await c.request({ method: 'DELETE', path: `${cms}/after-restart` });
  const a = await c.request<Obj>({
    method: 'POST',
    path: cms,
    body: { metadata: { name: `before-restart-${Date.now()}` } },
  });
  expectStatus(a, 201);
  const lastSeen = a.body.metadata.resourceVersion as string;
  const t0 = Date.now();
  await c.stopApiserver();
  const stopMs = Date.now() - t0;
  const down = await c.request({ path: '/readyz', timeoutMs: 1000 }).then(
    r => `HTTP ${r.status}`,
    (e: Error) => e.message.split('\n')[0],
  );
  await c.startApiserver();
  const restartMs = Date.now() - t0;
  expectStatus(
    await c.request({
      method: 'POST',
      path: cms,
      body: { metadata: { name: 'after-restart' } },
    }),
    201,
  );
  const w = await c.request({
    path: `${cms}?watch=1&resourceVersion=${lastSeen}&timeoutSeconds=1`,
    timeoutMs: 10_000,
  });
  const events = w.text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map(l => JSON.parse(l) as Obj);
  const resumed = events.some(
    e => e.type === 'ADDED' && e.object.metadata.name === 'after-restart',
  );
  const expired = events.some(e => e.type === 'ERROR' && e.object.code === 410);
  const seen = events
    .map(e =>
      e.type === 'ERROR'
        ? `ERROR ${e.object.code} ${e.object.message}`
        : `${e.type} ${e.object.metadata.name}`,
    )
    .join(', ');
  const note = `outage: "${down}"; stop ${stopMs} ms, stop+start ${restartMs} ms; watch from rv ${lastSeen}: ${seen}`;
  return { resumed, expired, note };
}

async function main(): Promise<void> {
  const cluster = await startCluster({ name: 'smoke', audit: true, nodes: 2 });
  console.log(
    `cluster ${cluster.name} ready in ${cluster.startupSeconds.toFixed(
      1,
    )} s at ${cluster.server}; dir ${cluster.dir}`,
  );
  try {
    await check('Deployment becomes available with Ready pods', async () => {
      expectStatus(
        await cluster.request({
          method: 'POST',
          path: depPath(),
          body: deployment('podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.0'),
        }),
        201,
      );
      await poll('podinfo available', 60_000, () =>
        deploymentAvailable(cluster, 'podinfo'),
      );
      const pods = (
        await cluster.request<Obj>({
          path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dpodinfo`,
        })
      ).body.items as Obj[];
      const ready = pods.filter(
        p =>
          p.status.phase === 'Running' && cond(p, 'Ready')?.status === 'True',
      );
      if (ready.length !== 3)
        throw new Error(`expected 3 Ready pods, got ${ready.length}`);
      return `3/3 pods Running+Ready on ${[
        ...new Set(pods.map(p => p.spec.nodeName)),
      ].join(',')}`;
    });

    await check('image update rolls out', async () => {
      const r = await cluster.request<Obj>({
        method: 'PATCH',
        path: depPath('podinfo'),
        contentType: 'application/strategic-merge-patch+json',
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'app', image: 'ghcr.io/stefanprodan/podinfo:6.0.1' },
                ],
              },
            },
          },
        },
      });
      expectStatus(r, 200);
      const t0 = Date.now();
      const d = await poll('rollout', 60_000, () =>
        deploymentAvailable(cluster, 'podinfo', r.body.metadata.generation),
      );
      const rs = (
        await cluster.request<Obj>({
          path: `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=app%3Dpodinfo`,
        })
      ).body.items as Obj[];
      return `generation ${d.metadata.generation} available after ${
        Date.now() - t0
      } ms; replicasets ${rs
        .map(x => `${x.metadata.name}=${x.status.replicas}`)
        .join(' ')}`;
    });

    await check(
      'image ending in :fail never gets Ready -> ProgressDeadlineExceeded',
      async () => {
        expectStatus(
          await cluster.request({
            method: 'POST',
            path: depPath(),
            body: deployment('broken', 'ghcr.io/example/app:fail', 10),
          }),
          201,
        );
        const t0 = Date.now();
        const p = await poll('ProgressDeadlineExceeded', 90_000, async () => {
          const d = (await cluster.request<Obj>({ path: depPath('broken') }))
            .body;
          const c = cond(d, 'Progressing');
          return c?.status === 'False' &&
            c.reason === 'ProgressDeadlineExceeded'
            ? c
            : undefined;
        });
        const pods = (
          await cluster.request<Obj>({
            path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dbroken`,
          })
        ).body.items as Obj[];
        const notReady = pods.filter(
          x =>
            x.status.phase === 'Running' &&
            cond(x, 'Ready')?.status === 'False',
        ).length;
        return `after ${Date.now() - t0} ms: "${p.message}"; ${notReady}/${
          pods.length
        } pods Running but not Ready`;
      },
    );

    await check(
      'Canary with both stepWeight and iterations is rejected (422)',
      async () => {
        const r = await cluster.request<Obj>({
          method: 'POST',
          path: canaryPath(),
          body: canary('invalid', {
            interval: '1m',
            threshold: 5,
            stepWeight: 10,
            iterations: 10,
          }),
        });
        expectStatus(r, 422);
        return r.body.message;
      },
    );

    await check('valid Canary is accepted (201)', async () => {
      expectStatus(
        await cluster.request({
          method: 'POST',
          path: canaryPath(),
          body: canary('podinfo', {
            interval: '1m',
            threshold: 5,
            stepWeight: 10,
            maxWeight: 50,
          }),
        }),
        201,
      );
    });

    await check(
      'status subresource write works; main resource ignores status',
      async () => {
        const r = await cluster.request<Obj>({
          method: 'PATCH',
          path: `${canaryPath('podinfo')}/status`,
          contentType: 'application/merge-patch+json',
          body: {
            status: {
              phase: 'Progressing',
              canaryWeight: 10,
              failedChecks: 0,
              iterations: 0,
            },
          },
        });
        expectStatus(r, 200);
        const viaMain = await cluster.request<Obj>({
          method: 'PATCH',
          path: canaryPath('podinfo'),
          contentType: 'application/merge-patch+json',
          body: { status: { phase: 'Failed' } },
        });
        expectStatus(viaMain, 200);
        const got = (
          await cluster.request<Obj>({ path: canaryPath('podinfo') })
        ).body;
        if (
          got.status?.phase !== 'Progressing' ||
          got.status?.canaryWeight !== 10
        )
          throw new Error(`status is ${JSON.stringify(got.status)}`);
        return `status ${JSON.stringify(got.status)}`;
      },
    );

    await check(
      'update with a stale resourceVersion gets 409 Conflict',
      async () => {
        const stale = (
          await cluster.request<Obj>({ path: canaryPath('podinfo') })
        ).body;
        const fresh = structuredClone(stale);
        fresh.spec.analysis.maxWeight = 40;
        expectStatus(
          await cluster.request({
            method: 'PUT',
            path: canaryPath('podinfo'),
            body: fresh,
          }),
          200,
        );
        stale.spec.analysis.maxWeight = 30;
        const r = await cluster.request<Obj>({
          method: 'PUT',
          path: canaryPath('podinfo'),
          body: stale,
        });
        expectStatus(r, 409);
        return r.body.reason;
      },
    );

    await check(
      'API server restart (watch cache on): resume or 410 Expired, then relist+watch sees the change',
      async () => {
        const r = await restartAndResume(cluster);
        if (r.resumed) return `resumed: ${r.note}`;
        if (!r.expired) throw new Error(r.note);
        // What a client must do on 410: relist, then watch from the list's RV.
        const list = (
          await cluster.request<Obj>({
            path: `/api/v1/namespaces/${ns}/configmaps`,
          })
        ).body;
        const seen = (list.items as Obj[]).some(
          cm => cm.metadata.name === 'after-restart',
        );
        if (!seen) throw new Error('relist misses the change');
        return `410 Expired as on a real cluster (${r.note}); relist at rv ${list.metadata.resourceVersion} has the change`;
      },
    );

    await check(
      'API server restart (watchCache: false): watch resumes from its resourceVersion',
      async () => {
        const nocache = await startCluster({
          name: 'smoke-nocache',
          crds: false,
          watchCache: false,
        });
        try {
          const r = await restartAndResume(nocache);
          if (!r.resumed) throw new Error(r.note);
          return r.note;
        } finally {
          await nocache.stop();
        }
      },
    );

    await check(
      'ServiceAccount token (TokenRequest) + RBAC least privilege',
      async () => {
        expectStatus(
          await cluster.request({
            method: 'POST',
            path: `/api/v1/namespaces/${ns}/serviceaccounts`,
            body: { metadata: { name: 'reader' } },
          }),
          201,
        );
        const tr = await cluster.request<Obj>({
          method: 'POST',
          path: `/api/v1/namespaces/${ns}/serviceaccounts/reader/token`,
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec: { expirationSeconds: 600 },
          },
        });
        expectStatus(tr, 201);
        const token = tr.body.status.token as string;
        const denied = await cluster.request({ path: canaryPath(), token });
        expectStatus(denied, 403);
        expectStatus(
          await cluster.request({
            method: 'POST',
            path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
            body: {
              metadata: { name: 'canary-reader' },
              rules: [
                {
                  apiGroups: ['flagger.app'],
                  resources: ['canaries'],
                  verbs: ['get', 'list', 'watch'],
                },
              ],
            },
          }),
          201,
        );
        expectStatus(
          await cluster.request({
            method: 'POST',
            path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
            body: {
              metadata: { name: 'canary-reader' },
              roleRef: {
                apiGroup: 'rbac.authorization.k8s.io',
                kind: 'Role',
                name: 'canary-reader',
              },
              subjects: [
                { kind: 'ServiceAccount', name: 'reader', namespace: ns },
              ],
            },
          }),
          201,
        );
        const allowed = await poll('RBAC allows list', 10_000, async () => {
          const r = await cluster.request({ path: canaryPath(), token });
          return r.status === 200 ? r : undefined;
        });
        const stillDenied = await cluster.request({
          method: 'DELETE',
          path: canaryPath('podinfo'),
          token,
        });
        expectStatus(stillDenied, 403);
        return `before binding list=403, after: list=${allowed.status}, delete=${stillDenied.status}`;
      },
    );

    await check('audit log records requests by user and verb', async () => {
      if (!cluster.auditLogPath) throw new Error('no audit log');
      const lines = fs
        .readFileSync(cluster.auditLogPath, 'utf8')
        .trim()
        .split('\n')
        .map(l => JSON.parse(l) as Obj);
      const counts: Record<string, number> = {};
      for (const e of lines)
        if (e.user.username === 'admin')
          counts[e.verb] = (counts[e.verb] ?? 0) + 1;
      if (!counts.get || !counts.create)
        throw new Error(JSON.stringify(counts));
      return `${lines.length} events; admin: ${JSON.stringify(counts)}`;
    });

    await check('three more clusters side by side are isolated', async () => {
      const t0 = Date.now();
      const more = await startClusters(['smoke-a', 'smoke-b', 'smoke-c'], {
        crds: false,
      });
      const ms = Date.now() - t0;
      const pids = more.flatMap(c => Object.values(c.pids()));
      let note = '';
      try {
        expectStatus(
          await more[0].request({
            method: 'POST',
            path: '/api/v1/namespaces',
            body: { metadata: { name: 'only-in-a' } },
          }),
          201,
        );
        expectStatus(
          await more[1].request({ path: '/api/v1/namespaces/only-in-a' }),
          404,
        );
        const servers = new Set(more.map(c => c.server));
        if (servers.size !== 3) throw new Error('ports not distinct');
        // tokens are per cluster
        expectStatus(
          await more[1].request({
            path: '/api/v1/namespaces',
            token: more[0].token,
          }),
          401,
        );
        note = `started in ${ms} ms: ${[...servers].join(' ')}`;
      } finally {
        await Promise.all(more.map(c => c.stop()));
      }
      const alive = pids.filter(p => {
        try {
          process.kill(p as number, 0);
          return true;
        } catch {
          return false;
        }
      });
      if (alive.length) {
        throw new Error(`processes still alive after stop: ${alive.join(',')}`);
      }
      return note;
    });
  } finally {
    const pids = Object.values(cluster.pids());
    const dir = cluster.dir;
    await cluster.stop();
    await check('stop() leaves no processes and no temp dir', async () => {
      const alive = pids.filter(p => {
        try {
          process.kill(p as number, 0);
          return true;
        } catch {
          return false;
        }
      });
      if (alive.length || fs.existsSync(dir))
        throw new Error(
          `alive ${alive.join(',')}, dir exists ${fs.existsSync(dir)}`,
        );
      return `${pids.length} processes gone, ${dir} removed`;
    });
  }
  const failed = results.filter(r => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch(err => {
  console.error(err);
  process.exitCode = 1;
});
