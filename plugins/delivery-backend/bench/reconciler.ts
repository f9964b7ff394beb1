/* eslint-disable no-console */
/**
 * Reconciler benchmarks on the local control plane (tools/cluster), printed as Markdown for docs/benchmarks.md.
 *
 *   source scripts/env.sh && node_modules/.bin/sucrase-node plugins/delivery-backend/bench/reconciler.ts \
 *     [--canaries 1000] [--progressing 500] [--interval 10] [--window 30] [--workers 16] [--cpu-prof DIR] \
 *     [--node-args '--max-semi-space-size=2']
 *
 * The reconciler runs in a child process (bench/reconcilerProcess.ts, bundled to plain JavaScript with esbuild as a
 * build would, so no transpiler is loaded) with nothing else in it, so "reconciler RSS" is that process's whole RSS:
 * Node, the plugin modules, the caches and the scheduler. The same child's RSS with its modules loaded but before
 * any cache or reconciler exists is the same-run baseline, and a bare `node -e` process gives Node's own floor.
 *
 * Measures, in one run on one cluster (audit log on):
 *  - API requests per idle canary per interval, counted in the audit log for the reconciler's own user;
 *  - reconciler RSS with N canaries cached and scheduled (and after the progressing window, and the peak);
 *  - `set image` → Progressing latency over 20 canaries;
 *  - tick start lateness (p50/p99) while `--progressing` canaries run at once.
 *
 * The control plane's kube-controller-manager gets a higher client QPS and more sync workers than the tests' default
 * (20 QPS, 5 workers), or it cannot roll out 1,000 `-primary` Deployments in minutes.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
// The bench is a script, not shipped code; the harness is a workspace tool package.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { startCluster } from '@internal/cluster-harness';
import { ClusterCache } from '../src/kube/cache';
import { KubeHttpClient } from '../src/kube/clusters';
import { KINDS } from '../src/kube/types';
import type { MemorySample, SampleMessage } from './reconcilerProcess';
import { quietLogger as quiet } from './quietLogger';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('canaries', 1000);
const PROGRESSING = Math.min(arg('progressing', 500), N);
const INTERVAL = arg('interval', 10);
const WINDOW = arg('window', 30);
const WORKERS = arg('workers', 16);
const stringArg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const CPU_PROF = stringArg('cpu-prof') && path.resolve(stringArg('cpu-prof')!);
/** Extra Node flags for the reconciler's process, e.g. '--max-semi-space-size=2' (space-separated). */
const CHILD_NODE_ARGS = (stringArg('node-args') ?? '').split(' ').filter(Boolean);
const KCM_ARGS = [
  '--kube-api-qps=300',
  '--kube-api-burst=600',
  '--concurrent-deployment-syncs=25',
  '--concurrent-replicaset-syncs=25',
  '--concurrent-service-endpoint-syncs=10',
];
const NS = 'bench';


const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const mib = (b: number) => (b / 1024 / 1024).toFixed(0);
const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

/** The reconciler's own process, driven over IPC (see reconcilerProcess.ts). */
class ReconcilerProcess {
  private readonly child: ChildProcess;
  private readonly waiting: Array<{ type: string; resolve: (m: any) => void }> = [];

  constructor(script: string) {
    const execArgv = ['--expose-gc', ...CHILD_NODE_ARGS];
    if (CPU_PROF) execArgv.push('--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`);
    this.child = fork(script, [], { execArgv, stdio: 'inherit' });
    this.child.on('message', (m: { type: string }) => {
      const i = this.waiting.findIndex(w => w.type === m.type);
      if (i >= 0) this.waiting.splice(i, 1)[0].resolve(m);
    });
  }

  next<T>(type: string): Promise<T> {
    return new Promise(resolve => this.waiting.push({ type, resolve }));
  }

  async call<T>(message: object, reply: string): Promise<T> {
    const answer = this.next<T>(reply);
    this.child.send(message);
    return answer;
  }

  sample(): Promise<SampleMessage> {
    return this.call({ type: 'sample' }, 'sample');
  }

  /** Waits up to 10 s for a clean exit (a CPU profile is written then), then kills. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise(resolve => this.child.once('exit', resolve));
    await Promise.race([exited, sleep(10_000)]);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** bench/reconcilerProcess.ts and everything it imports as one plain JavaScript file, as a build would ship it. */
function bundleReconcilerProcess(dir: string): string {
  const out = path.join(dir, 'reconcilerProcess.js');
  const esbuild = path.resolve(__dirname, '../../../node_modules/.bin/esbuild');
  execFileSync(esbuild, [
    path.join(__dirname, 'reconcilerProcess.ts'),
    '--bundle',
    '--platform=node',
    '--target=node22',
    `--outfile=${out}`,
    '--log-level=warning',
  ]);
  return out;
}

/**
 * Requests by the reconciler's user in [from, to), by verb and resource (watches and leases left out). The audit log
 * holds every request of the control plane (millions of lines at this size): it is streamed, and only lines that
 * name the user are parsed, so reading it does not starve the reconciler of CPU.
 */
async function auditedRequests(auditDir: string, from: number, to: number): Promise<Array<{ verb: string; resource: string }>> {
  const out: Array<{ verb: string; resource: string }> = [];
  for (const f of fs.readdirSync(auditDir).filter(n => /^audit.*\.log$/.test(n))) {
    const lines = readline.createInterface({ input: fs.createReadStream(path.join(auditDir, f)), crlfDelay: Infinity });
    for await (const l of lines) {
      if (!l.includes('"username":"admin"')) continue;
      const e = JSON.parse(l);
      const at = Date.parse(e.requestReceivedTimestamp);
      if (at < from || at >= to || e.stage !== 'ResponseComplete') continue;
      if (e.verb === 'watch' || e.objectRef?.resource === 'leases') continue;
      out.push({ verb: e.verb, resource: [e.objectRef?.resource, e.objectRef?.subresource].filter(Boolean).join('/') });
    }
  }
  return out;
}

const breakdown = (reqs: Array<{ verb: string; resource: string }>) => {
  const count: Record<string, number> = {};
  for (const r of reqs) count[`${r.verb} ${r.resource}`] = (count[`${r.verb} ${r.resource}`] ?? 0) + 1;
  return Object.entries(count)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
};

/** RSS of a Node process that loads nothing: the floor under any reconciler process. */
function bareNodeRss(): number {
  return Number(execFileSync(process.execPath, ['-e', 'global.gc?.(); console.log(process.memoryUsage().rss)'], { encoding: 'utf8' }));
}

async function main() {
  const t0 = Date.now();
  // kwok nodes take 250 pods each: room for every primary plus the progressing canaries.
  const cluster = await startCluster({
    name: 'bench-rec',
    audit: true,
    nodes: Math.ceil((N + PROGRESSING) / 200),
    controllerManagerArgs: KCM_ARGS,
  });
  const must = async (o: Parameters<typeof cluster.request>[0]) => {
    const r = await cluster.request(o);
    if (r.status >= 300 && r.status !== 409) throw new Error(`${o.method} ${o.path}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.body as any;
  };
  let child: ReconcilerProcess | undefined;
  const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rec-'));
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

    const bareRss = bareNodeRss();
    child = new ReconcilerProcess(bundleReconcilerProcess(bundleDir));
    const loaded = await child.next<MemorySample>('loaded');
    const cfg = { name: 'bench-rec', url: cluster.server, serviceAccountToken: cluster.token, caData: cluster.caData, skipTLSVerify: false };
    await child.call({ type: 'start', cluster: cfg, workers: WORKERS }, 'started');
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

    // Idle: requests by our user (admin token here: the test client polls only before/after the window).
    // By timestamp over every audit file: the API server may rotate the log during the window.
    const auditDir = path.dirname(cluster.auditLogPath!);
    const windowStart = Date.now();
    const ticksBefore = (await child.sample()).ticks;
    await sleep(WINDOW * 1000);
    const windowEnd = Date.now();
    const idle = await child.sample();
    const ours = await auditedRequests(auditDir, windowStart, windowEnd);
    const idleTicks = idle.ticks - ticksBefore;
    const idleReqs = ours.length;
    const idleGets = ours.filter(e => e.verb === 'get').length;
    const intervals = WINDOW / INTERVAL;

    // The bench's own view of the canaries, for the phase changes below (in this process, not the reconciler's).
    const cache = new ClusterCache({
      transport: new KubeHttpClient({ cluster: cfg }),
      logger: quiet,
    });
    // set image → Progressing, 20 canaries one after another.
    const watch = cache.watch({ kind: KINDS.canary });
    while (!watch.hasSynced) await sleep(50);
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
    // Steady state: every progressing canary's target has rolled out and its analysis advances each interval.
    const analysingStart = Date.now();
    let analysing = 0;
    while (Date.now() - analysingStart < 10 * 60_000) {
      const list = await must({ path: `/apis/flagger.app/v1beta1/namespaces/${NS}/canaries` });
      analysing = list.items.filter((c: any) => c.status?.phase === 'Progressing' && (c.status?.iterations ?? 0) > 0).length;
      if (analysing >= PROGRESSING) break;
      await sleep(2000);
    }
    const analysingSeconds = (Date.now() - analysingStart) / 1000;
    await sleep(2 * INTERVAL * 1000);
    await child.sample();
    const busyStart = Date.now();
    await sleep(WINDOW * 1000);
    const busySample = await child.sample();
    const busyReqs = await auditedRequests(auditDir, busyStart, Date.now());
    const busy = busySample.lateness;
    off();
    const p = await phases();
    const load = os.loadavg().map(l => l.toFixed(2)).join(' / ');
    const MiB = 1024 * 1024;
    const out = [
      `### Reconciler (${new Date().toISOString().slice(0, 10)}, 2 CPUs, local control plane)`,
      '',
      `Reproduce: \`source scripts/env.sh && node_modules/.bin/sucrase-node plugins/delivery-backend/bench/reconciler.ts --canaries ${N} --progressing ${PROGRESSING} --interval ${INTERVAL} --window ${WINDOW} --workers ${WORKERS}${CHILD_NODE_ARGS.length ? ` --node-args '${CHILD_NODE_ARGS.join(' ')}'` : ''}\``,
      '',
      `Load average at the end (1 / 5 / 15 min): ${load}.`,
      '',
      '| measure | result | target | met? |',
      '|---|---|---|---|',
      `| API requests per idle canary per interval (${N} canaries, ${WINDOW} s window, audit log) | ${(idleReqs / N / intervals).toFixed(3)} (${idleReqs} requests, ${idleGets} GETs, over ${idleTicks} ticks) | 0 | ${yes(idleReqs === 0)} |`,
      `| reconciler process RSS, ${N} canaries cached and scheduled, idle | ${mib(idle.rss)} MiB (heap used ${mib(idle.heapUsed)} MiB; same process before any cache: ${mib(loaded.rss)} MiB, +${mib(idle.rss - loaded.rss)} MiB; bare \`node\`: ${mib(bareRss)} MiB) | ≤ 150 MiB | ${yes(idle.rss <= 150 * MiB)} |`,
      `| reconciler process RSS after the ${PROGRESSING}-progressing window (peak over the run) | ${mib(busySample.rss)} MiB (peak ${mib(busySample.peakRss)} MiB; heap used ${mib(busySample.heapUsed)} MiB) | ≤ 150 MiB | ${yes(busySample.rss <= 150 * MiB)} |`,
      `| \`set image\` → Progressing (20 canaries) | p50 ${pct(latencies, 50)} ms, max ${Math.max(...latencies)} ms${latencies.some(l => l === Infinity) ? ` (${latencies.filter(l => l === Infinity).length} not Progressing within 30 s)` : ''} | ≤ 1 s | ${yes(Math.max(...latencies) <= 1000)} |`,
      `| tick start lateness, ${PROGRESSING} progressing (interval ${INTERVAL} s, ${busy.length} ticks, ${WORKERS} workers) | p50 ${pct(busy, 50)} ms, p99 ${pct(busy, 99)} ms, max ${Math.max(...busy)} ms | p99 ≤ 1 s | ${yes(pct(busy, 99) <= 1000)} |`,
      `| tick duration in that window | p50 ${pct(busySample.durations, 50)} ms, p99 ${pct(busySample.durations, 99)} ms | – | – |`,
      `| reconciler event-loop delay in that window | p99 ${busySample.loopDelayP99.toFixed(0)} ms, max ${busySample.loopDelayMax.toFixed(0)} ms | – | – |`,
      `| API requests per tick in that window | ${(busyReqs.length / Math.max(1, busy.length)).toFixed(2)} (${breakdown(busyReqs)}) | – | – |`,
      `| time to initialize ${N} canaries | ${initSeconds.toFixed(0)} s | – | – |`,
      `| time until ${PROGRESSING} canaries analyse (targets rolled out, iterations > 0) | ${analysingSeconds.toFixed(0)} s (${analysing} analysing) | – | – |`,
      '',
      `Phases at the end: ${JSON.stringify(p)}. Reconciler warnings over the run: ${busySample.warnings}${busySample.firstWarnings.length ? ` (first: ${busySample.firstWarnings.map(w => JSON.stringify(w)).join('; ')})` : ''}.`,
      `Lease and watch notes of the reconciler: ${busySample.notes.join('; ') || 'none'}.`,
      `Idle-window requests: ${breakdown(ours) || 'none'}. Memory (MiB) idle: heap total ${mib(idle.heapTotal)} (young generation ${mib(idle.newSpace)}), external ${mib(idle.external)}; before any cache: heap used ${mib(loaded.heapUsed)}, total ${mib(loaded.heapTotal)} (young generation ${mib(loaded.newSpace)}).`,
    ].join('\n');
    console.log(out);
    await child.call({ type: 'stop' }, 'stopped');
    await cache.stop();
  } finally {
    await child?.kill();
    fs.rmSync(bundleDir, { recursive: true, force: true });
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
