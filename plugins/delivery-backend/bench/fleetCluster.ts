/* eslint-disable no-console */
/**
 * Fleet benchmarks on a local control plane (tools/cluster), printed as Markdown for docs/benchmarks.md.
 *
 *   source scripts/env.sh && node --expose-gc node_modules/.bin/sucrase-node plugins/delivery-backend/bench/fleetCluster.ts \
 *     [--objects 10000] [--viewers 1,10,50] [--window 15] [--syncs 5] [--page-size N]
 *
 * One cluster, the aggregator connected through the e2e suites' counting proxy (packages/e2e-tests/src/lib):
 *  - `--syncs` cold syncs of `--objects` Canaries, each in a new fleet: wall time, the longest event-loop block
 *    (perf_hooks monitorEventLoopDelay) and the longest GC pause, against the same monitor over an idle stretch of
 *    the same process just before each sync (baseline), as the shared machine's load drifts. Before each idle
 *    stretch the bench's own garbage is collected (with --expose-gc): creating the canaries and the previous sync's
 *    fleet leave tens of MiB that would otherwise be marked and compacted in the middle of the measured sync (a
 *    142 ms pause on a quiet machine, most of it not the fleet's);
 *  - API-server requests while N viewers poll the fleet page and an entity tab every 250 ms, against the same window
 *    with no viewer (baseline): requests per added viewer.
 */
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
// The bench is a script, not shipped code; the harness is a workspace tool package.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { startCluster } from '@internal/cluster-harness';
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { WatchFaultProxy } from '../../../packages/e2e-tests/src/lib/watchFaultProxy';
import { createFleet } from '../src/fleet/aggregator';
import { serveFleet } from './fleetHttp';
import { quietLogger as quiet } from './quietLogger';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const OBJECTS = Number(arg('objects', '10000'));
const VIEWERS = arg('viewers', '1,10,50').split(',').map(Number);
const WINDOW_S = Number(arg('window', '15'));
const SYNCS = Number(arg('syncs', '5'));
const PAGE_SIZE = Number(arg('page-size', '0')) || undefined;
const NS = 'bench-fleet';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

async function main() {
  const cluster = await startCluster({ name: 'bench-fleet', nodes: 1 });
  const must = async (o: Parameters<typeof cluster.request>[0]) => {
    const r = await cluster.request(o);
    if (r.status >= 300 && r.status !== 409) throw new Error(`${o.method} ${o.path}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.body;
  };
  const proxy = new WatchFaultProxy({ upstream: cluster.server, caData: cluster.caData });
  try {
    await must({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } });
    const tCreate = Date.now();
    let next = 0;
    const creator = async () => {
      while (next < OBJECTS) {
        const i = next++;
        await must({
          method: 'POST',
          path: `/apis/flagger.app/v1beta1/namespaces/${NS}/canaries`,
          body: {
            apiVersion: 'flagger.app/v1beta1',
            kind: 'Canary',
            metadata: { name: `svc-${i}`, namespace: NS, labels: { app: `svc-${i}` } },
            spec: {
              provider: 'linkerd',
              targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `svc-${i}` },
              service: { port: 9898 },
              analysis: {
                interval: '1m',
                threshold: 5,
                maxWeight: 50,
                stepWeight: 10,
                metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }],
              },
            },
          },
        });
      }
    };
    await Promise.all(Array.from({ length: 16 }, creator));
    console.error(`created ${OBJECTS} canaries in ${((Date.now() - tCreate) / 1000).toFixed(0)} s`);
    const url = await proxy.start();

    const ms = (ns: number) => ns / 1e6;
    const GC_KINDS: Record<number, string> = { 1: 'scavenge', 2: 'minor mark-sweep', 4: 'mark-compact', 8: 'incremental marking', 16: 'weak callbacks' };
    const cluster_ = { name: cluster.name, url, serviceAccountToken: cluster.token, skipTLSVerify: false };
    /** One cold sync in a new fleet, after an idle stretch of the same length measured the same way (baseline). */
    const gc = (global as { gc?: () => void }).gc;
    if (!gc) console.error('run with node --expose-gc: without it, the setup\'s garbage is collected during the syncs');
    const coldSync = async () => {
      gc?.();
      const idle = monitorEventLoopDelay({ resolution: 5 });
      idle.enable();
      await sleep(3000);
      idle.disable();
      const built = createFleet({ clusters: [cluster_], logger: quiet, tuning: PAGE_SIZE ? { pageSize: PAGE_SIZE } : undefined });
      const loop = monitorEventLoopDelay({ resolution: 5 });
      // Garbage-collection pauses block the loop too; recorded to tell them from our own synchronous work.
      const gcPauses: Array<{ ms: number; kind: string }> = [];
      const gcObserver = new PerformanceObserver(list =>
        list.getEntries().forEach(e => {
          const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
          gcPauses.push({ ms: e.duration, kind: GC_KINDS[kind] ?? `kind ${kind}` });
        }),
      );
      gcObserver.observe({ entryTypes: ['gc'] });
      loop.enable();
      const t0 = performance.now();
      built.fleet.start();
      while (built.fleet.clusterHealth()[0].state !== 'synced') await sleep(10);
      const syncMs = performance.now() - t0;
      loop.disable();
      gcObserver.disconnect();
      const worstGc = gcPauses.reduce((w, g) => (g.ms > w.ms ? g : w), { ms: 0, kind: 'none' });
      return {
        fleet: built.fleet,
        rows: [...built.fleet.summaries()].length,
        syncMs,
        idleMax: ms(idle.max),
        idleP99: ms(idle.percentile(99)),
        max: ms(loop.max),
        p99: ms(loop.percentile(99)),
        gc: worstGc,
      };
    };
    const runs = [];
    for (let i = 0; i < SYNCS; i++) {
      const r = await coldSync();
      runs.push(r);
      if (i < SYNCS - 1) await r.fleet.stop();
    }
    const fleet = runs[runs.length - 1].fleet;
    const f1 = (x: number) => x.toFixed(1);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

    console.log(`\n### Cold sync of ${runs[0].rows} Canaries from one local API server (plus the other watched kinds, empty), ${SYNCS} syncs${PAGE_SIZE ? `, pages of ${PAGE_SIZE}` : ''}${gc ? ', setup garbage collected before each' : ''}\n`);
    console.log('| sync | wall time | idle baseline: longest block / p99 (3 s before, same process) | cold sync: longest block / p99 | longest GC pause |');
    console.log('| --- | --- | --- | --- | --- |');
    runs.forEach((r, i) =>
      console.log(`| ${i + 1} | ${(r.syncMs / 1000).toFixed(2)} s | ${f1(r.idleMax)} / ${f1(r.idleP99)} ms | ${f1(r.max)} / ${f1(r.p99)} ms | ${f1(r.gc.ms)} ms (${r.gc.kind}) |`),
    );
    console.log(`| median | ${(median(runs.map(r => r.syncMs)) / 1000).toFixed(2)} s | ${f1(median(runs.map(r => r.idleMax)))} / ${f1(median(runs.map(r => r.idleP99)))} ms | ${f1(median(runs.map(r => r.max)))} / ${f1(median(runs.map(r => r.p99)))} ms | ${f1(median(runs.map(r => r.gc.ms)))} ms |`);

    // Viewers: let the watches settle, then count API-server requests per window.
    const web = await serveFleet(fleet, quiet);
    await sleep(3000);
    const windowCount = async (viewers: number) => {
      const from = proxy.now();
      let reads = 0;
      let stop = false;
      const viewer = async (v: number) => {
        while (!stop) {
          await web.get(`/fleet?offset=${(v * 50) % 1000}`);
          await web.get(`/entity-canaries?entityRef=component:default/svc-${(v * 37) % OBJECTS}`);
          reads += 2;
          await sleep(250);
        }
      };
      const running = Array.from({ length: viewers }, (_, v) => viewer(v));
      await sleep(WINDOW_S * 1000);
      stop = true;
      await Promise.all(running);
      return { requests: proxy.since(from).length, reads };
    };
    const base = await windowCount(0);
    console.log(`\n### API-server requests while viewers read (${WINDOW_S} s windows, each viewer reads the fleet page and an entity tab every 250 ms)\n`);
    console.log('| viewers | backend reads served | API-server requests in the window | requests per added viewer |\n| --- | --- | --- | --- |');
    console.log(`| 0 (baseline) | 0 | ${base.requests} | – |`);
    for (const n of VIEWERS) {
      const w = await windowCount(n);
      console.log(`| ${n} | ${w.reads} | ${w.requests} | ${((w.requests - base.requests) / n).toFixed(2)} |`);
    }
    console.log('\nRequests in a window are the list-watches\' own reconnects (server-side timeouts, retries of absent router CRDs), not reads.');
    await web.close();
    await fleet.stop();
  } finally {
    await proxy.close();
    await cluster.stop();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
