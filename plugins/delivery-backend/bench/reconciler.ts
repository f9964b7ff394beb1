/* eslint-disable no-console */
/**
 * Reconciler benchmarks on the local control plane (tools/cluster), printed as Markdown for docs/benchmarks.md.
 *
 *   source scripts/env.sh && node_modules/.bin/sucrase-node plugins/delivery-backend/bench/reconciler.ts \
 *     [--canaries 1000] [--progressing 500] [--interval 10] [--window 30]
 *
 * Measures, in one run on one cluster (audit log on):
 *  - API requests per idle canary per interval, counted in the audit log for the reconciler's own user;
 *  - RSS of this process with N canaries cached and scheduled, against the same process before the reconciler
 *    started (baseline in the same run);
 *  - `set image` → Progressing latency over 20 canaries;
 *  - tick start lateness (p50/p99) while `--progressing` canaries run at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
// The bench is a script, not shipped code; the harness is a workspace tool package.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { startCluster } from '@internal/cluster-harness';
import { ClusterCache } from '../src/kube/cache';
import { KubeHttpClient } from '../src/kube/clusters';
import { KINDS } from '../src/kube/types';
import { createClusterReconciler } from '../src/reconciler/reconciler';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('canaries', 1000);
const PROGRESSING = Math.min(arg('progressing', 500), N);
const INTERVAL = arg('interval', 10);
const WINDOW = arg('window', 30);
const NS = 'bench';

const quiet: LoggerService = {
  error: m => console.error(m),
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => quiet,
};

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const mib = (b: number) => (b / 1024 / 1024).toFixed(0);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

async function main() {
  const t0 = Date.now();
  // kwok nodes take 250 pods each: room for every primary plus the progressing canaries.
  const cluster = await startCluster({ name: 'bench-rec', audit: true, nodes: Math.ceil((N + PROGRESSING) / 200) });
  const must = async (o: Parameters<typeof cluster.request>[0]) => {
    const r = await cluster.request(o);
    if (r.status >= 300 && r.status !== 409) throw new Error(`${o.method} ${o.path}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.body as any;
  };
  try {
    await must({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } });
    console.error(`cluster up in ${((Date.now() - t0) / 1000).toFixed(0)} s; creating ${N} canaries`);
    const names = Array.from({ length: N }, (_, i) => `app-${i}`);
    for (let i = 0; i < N; i += 20) {
      await Promise.all(
        names.slice(i, i + 20).map(async n => {
          await must({
            method: 'POST',
            path: `/apis/apps/v1/namespaces/${NS}/deployments`,
            body: {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: n, namespace: NS, labels: { app: n } },
              spec: {
                // No pods for idle canaries: the local Deployment controller (20 QPS) is the bottleneck, not us.
                replicas: 0,
                selector: { matchLabels: { app: n } },
                template: { metadata: { labels: { app: n } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
              },
            },
          });
          await must({
            method: 'POST',
            path: `/apis/flagger.app/v1beta1/namespaces/${NS}/canaries`,
            body: {
              apiVersion: 'flagger.app/v1beta1',
              kind: 'Canary',
              metadata: { name: n, namespace: NS },
              spec: {
                provider: 'kubernetes',
                targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: n },
                service: { port: 80 },
                analysis: { interval: `${INTERVAL}s`, threshold: 5, iterations: 1000 },
              },
            },
          });
        }),
      );
    }

    global.gc?.();
    const rssBaseline = process.memoryUsage().rss;
    const cfg = { name: 'bench-rec', url: cluster.server, serviceAccountToken: cluster.token, caData: cluster.caData, skipTLSVerify: false };
    const cache = new ClusterCache({ transport: new KubeHttpClient({ cluster: cfg }), logger: quiet });
    let lateness: number[] = [];
    const reconciler = createClusterReconciler({
      cluster: cfg,
      cache,
      logger: quiet,
      identity: 'bench',
      config: {
        metricsServer: 'http://127.0.0.1:1',
        meshProvider: 'kubernetes',
        workers: 16,
        maxQueriesPerEndpoint: 8,
        leaseNamespace: 'kube-system',
        minIntervalSeconds: 1,
      },
      onTickStart: (_run, ms) => lateness.push(ms),
    });
    reconciler.start();
    const phases = async () => {
      const list = await must({ path: `/apis/flagger.app/v1beta1/namespaces/${NS}/canaries` });
      const count: Record<string, number> = {};
      for (const c of list.items) count[c.status?.phase ?? ''] = (count[c.status?.phase ?? ''] ?? 0) + 1;
      return count;
    };
    const initStart = Date.now();
    for (;;) {
      const p = await phases();
      if ((p.Initialized ?? 0) === N) break;
      if (Date.now() - initStart > 20 * 60_000) throw new Error(`not initialized: ${JSON.stringify(p)}`);
      await sleep(2000);
    }
    const initSeconds = (Date.now() - initStart) / 1000;
    await sleep(2 * INTERVAL * 1000);
    global.gc?.();

    // Idle: requests by our user (admin token here: the test client polls only before/after the window).
    // By timestamp over every audit file: the API server may rotate the log during the window.
    const auditDir = path.dirname(cluster.auditLogPath!);
    const windowStart = Date.now();
    const ticksBefore = lateness.length;
    await sleep(WINDOW * 1000);
    const windowEnd = Date.now();
    const ours = fs
      .readdirSync(auditDir)
      .filter(f => /^audit.*\.log$/.test(f))
      .flatMap(f => fs.readFileSync(path.join(auditDir, f), 'utf8').split('\n').filter(Boolean))
      .map(l => JSON.parse(l))
      .filter(e => {
        const at = Date.parse(e.requestReceivedTimestamp);
        return at >= windowStart && at < windowEnd && e.stage === 'ResponseComplete';
      })
      .filter(e => e.user?.username === 'admin' && e.objectRef?.resource !== 'leases');
    const idleTicks = lateness.length - ticksBefore;
    const idleReqs = ours.filter(e => e.verb !== 'watch').length;
    const idleGets = ours.filter(e => e.verb === 'get').length;
    const intervals = WINDOW / INTERVAL;
    const rss = process.memoryUsage().rss;

    // set image → Progressing, 20 canaries one after another.
    const watch = cache.watch({ kind: KINDS.canary });
    const progressingAt = new Map<string, number>();
    const off = watch.subscribe(e => {
      if ((e.object as any).status?.phase === 'Progressing' && !progressingAt.has(e.object.metadata.name)) {
        progressingAt.set(e.object.metadata.name, Date.now());
      }
    });
    const setImage = (n: string, image: string) =>
      must({
        method: 'PATCH',
        path: `/apis/apps/v1/namespaces/${NS}/deployments/${n}`,
        contentType: 'application/strategic-merge-patch+json',
        body: { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } },
      });
    const latencies: number[] = [];
    for (const n of names.slice(0, 20)) {
      const start = Date.now();
      await setImage(n, 'app:2');
      while (!progressingAt.has(n) && Date.now() - start < 30_000) await sleep(5);
      latencies.push((progressingAt.get(n) ?? Infinity) - start);
    }

    // Many progressing at once: lateness of tick starts over the window.
    await Promise.all(names.slice(20, PROGRESSING).map(n => setImage(n, 'app:2')));
    for (;;) {
      if (progressingAt.size >= PROGRESSING) break;
      await sleep(500);
    }
    await sleep(2 * INTERVAL * 1000);
    lateness = [];
    await sleep(WINDOW * 1000);
    const busy = [...lateness];
    off();
    const p = await phases();

    const out = [
      `### Reconciler (${new Date().toISOString().slice(0, 10)}, 2 CPUs, local control plane)`,
      '',
      `Reproduce: \`source scripts/env.sh && node_modules/.bin/sucrase-node plugins/delivery-backend/bench/reconciler.ts --canaries ${N} --progressing ${PROGRESSING} --interval ${INTERVAL} --window ${WINDOW}\``,
      '',
      '| measure | result | target |',
      '|---|---|---|',
      `| API requests per idle canary per interval (${N} canaries, ${WINDOW} s window, audit log) | ${(idleReqs / N / intervals).toFixed(3)} (${idleReqs} requests, ${idleGets} GETs, over ${idleTicks} ticks) | 0 |`,
      `| RSS with ${N} canaries cached and scheduled | ${mib(rss)} MiB (baseline before the reconciler: ${mib(rssBaseline)} MiB; +${mib(rss - rssBaseline)} MiB, ${(rss / rssBaseline).toFixed(2)}×) | ≤ 150 MiB |`,
      `| \`set image\` → Progressing (20 canaries) | p50 ${pct(latencies, 50)} ms, max ${Math.max(...latencies)} ms | ≤ 1 s |`,
      `| tick start lateness, ${PROGRESSING} progressing (interval ${INTERVAL} s, ${busy.length} ticks) | p50 ${pct(busy, 50)} ms, p99 ${pct(busy, 99)} ms | p99 ≤ 1 s |`,
      `| time to initialize ${N} canaries | ${initSeconds.toFixed(0)} s | – |`,
      '',
      `Phases at the end: ${JSON.stringify(p)}.`,
    ].join('\n');
    console.log(out);
    await reconciler.stop();
    await cache.stop();
  } finally {
    await cluster.stop();
  }
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
