/* eslint-disable no-console */
/**
 * Fleet read benchmarks without clusters, printed as Markdown for docs/benchmarks.md.
 *
 *   source scripts/env.sh && node --expose-gc node_modules/.bin/sucrase-node \
 *     plugins/delivery-backend/bench/fleetReads.ts [--clusters 50] [--canaries 2000] [--reads 200]
 *
 * Objects go through the real path (paginated LIST → projection → ClusterCache → FleetAggregator) from a synthetic
 * API server per cluster that generates each page as JSON text on request and keeps nothing (fleetSynthetic.ts), so
 * only the backend's memory is measured and every cached object is freshly parsed, as over HTTP. Reads go
 * through the real router over loopback HTTP; "server time" is measured inside the process from request to finish.
 * Baselines in the same run: the same reads with one cluster, and RSS before loading.
 */
import * as v8 from 'node:v8';
import { FleetAggregator } from '../src/fleet/aggregator';
import { ClusterCache } from '../src/kube/cache';
import { OBSERVED_PROJECTION } from '../src/kube/projectors';
import { serveFleet } from './fleetHttp';
import { SyntheticFleetTransport, syntheticObjectBytes } from './fleetSynthetic';
import { quietLogger as quiet } from './quietLogger';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const CLUSTERS = arg('clusters', 50);
const PER_CLUSTER = arg('canaries', 2000);
const READS = arg('reads', 200);
const IDLE_MS = arg('idle-ms', 10_000);

const mib = (b: number) => (b / 1024 / 1024).toFixed(0);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const gc = () => (global as { gc?: () => void }).gc?.();
async function loadFleet(clusters: number, perCluster: number) {
  const transports = Array.from({ length: clusters }, (_, c) => new SyntheticFleetTransport(`cluster-${c}`, perCluster));
  const fleet = new FleetAggregator({
    logger: quiet,
    clusters: transports.map(transport => ({
      name: transport.cluster,
      controller: 'flagger',
      // As createFleet builds caches for clusters upstream Flagger reconciles.
      cache: new ClusterCache({ transport, logger: quiet, ...OBSERVED_PROJECTION }),
    })),
  });
  const t0 = performance.now();
  fleet.start();
  while (!fleet.clusterHealth().every(h => h.state === 'synced')) await new Promise(r => setTimeout(r, 20));
  const syncMs = performance.now() - t0;
  return { fleet, syncMs };
}

async function serve(fleet: FleetAggregator) {
  const http_ = await serveFleet(fleet, quiet);
  const measure = async (path: (i: number) => string) => {
    for (let i = 0; i < 10; i++) await http_.get(path(i)); // warm-up
    http_.serverMs.length = 0;
    for (let i = 0; i < READS; i++) await http_.get(path(i));
    return { p50: pct(http_.serverMs, 50), p95: pct(http_.serverMs, 95), p99: pct(http_.serverMs, 99) };
  };
  return { measure, close: http_.close };
}

const READ_CASES: Array<[string, (i: number, perCluster: number) => string]> = [
  ['fleet page (default: first 50 by name)', () => '/fleet'],
  ['fleet page, needs attention, sorted by updated', () => '/fleet?needsAttention=true&sort=updated&order=desc'],
  ['fleet page, search', i => `/fleet?search=svc-${i % 997}`],
  ['entity tab (one entity, one canary per cluster)', (i, n) => `/entity-canaries?entityRef=component:default/svc-${(i * 37) % n}`],
];

async function readBench(clusters: number, perCluster: number) {
  const { fleet, syncMs } = await loadFleet(clusters, perCluster);
  const { measure, close } = await serve(fleet);
  const out: Record<string, { p50: number; p95: number; p99: number }> = {};
  for (const [name, path] of READ_CASES) out[name] = await measure(i => path(i, perCluster));
  await close();
  await fleet.stop();
  return { out, syncMs };
}

async function main() {
  const f = (x: number) => x.toFixed(1);
  // Each idle figure is taken after the same quiet stretch without a forced GC, so V8's own memory reducer (which
  // collects and returns pages once allocation has stopped for a while) has had the same chance before and after.
  const idle = () => new Promise(r => setTimeout(r, IDLE_MS));
  await idle();
  const beforeIdle = process.memoryUsage();
  gc();
  const before = process.memoryUsage();
  const { fleet, syncMs } = await loadFleet(CLUSTERS, PER_CLUSTER);
  // RSS keeps the sync's high-water mark (V8 and malloc rarely give pages back), so it is reported without and with
  // a forced GC; the heap after a GC is what the fleet retains.
  const synced = process.memoryUsage();
  await idle();
  const settled = process.memoryUsage();
  gc();
  const loaded = process.memoryUsage();
  const spacesAfterGc = v8.getHeapSpaceStatistics().filter(sp => sp.space_size > 1024 * 1024);
  const rows = [...fleet.summaries()].length;
  await fleet.stop();
  const size = syntheticObjectBytes();
  console.log(`\n### Memory: ${rows} canary rows (${CLUSTERS} clusters × ${PER_CLUSTER}), each with target and -primary Deployment cached\n`);
  console.log(`Objects as LISTed (JSON): Canary ${(size.canary / 1024).toFixed(1)} KiB, Deployment ${(size.deployment / 1024).toFixed(1)} KiB.\n`);
  console.log('| measure | value |\n| --- | --- |');
  console.log(`| RSS before loading (baseline, same process) | ${mib(before.rss)} MiB (heap used ${mib(before.heapUsed)} MiB) |`);
  console.log(`| RSS right after the cold sync (no forced GC) | ${mib(synced.rss)} MiB (heap used ${mib(synced.heapUsed)} / total ${mib(synced.heapTotal)} MiB) |`);
  console.log(`| RSS ${IDLE_MS / 1000} s idle before loading / after the sync settled (no forced GC either time) | ${mib(beforeIdle.rss)} / ${mib(settled.rss)} MiB (heap used ${mib(settled.heapUsed)} / total ${mib(settled.heapTotal)} MiB after) |`);
  console.log(`| RSS with the fleet loaded (after GC) | ${mib(loaded.rss)} MiB |`);
  console.log(`| of which added by the fleet | ${mib(loaded.rss - before.rss)} MiB (${(loaded.rss / before.rss).toFixed(2)}× baseline) |`);
  console.log(`| JS heap used / total (after GC) | ${mib(loaded.heapUsed)} / ${mib(loaded.heapTotal)} MiB |`);
  console.log(`| cold sync of all clusters (in process, no network) | ${(syncMs / 1000).toFixed(1)} s |`);
  // Where the committed but unused heap is: per V8 space, after the GC above.
  console.log('\n| V8 space (after GC) | used MiB | committed MiB |\n| --- | --- | --- |');
  for (const sp of spacesAfterGc) console.log(`| ${sp.space_name} | ${mib(sp.space_used_size)} | ${mib(sp.space_size)} |`);
  gc();

  const base = await readBench(1, PER_CLUSTER);
  gc();
  const big = await readBench(CLUSTERS, PER_CLUSTER);
  console.log(`\n### Server time per read, ${READS} sequential reads each (ms)\n`);
  console.log(`| read | 1 × ${PER_CLUSTER} p50 / p95 / p99 (baseline) | ${CLUSTERS} × ${PER_CLUSTER} p50 / p95 / p99 | p95 ratio |`);
  console.log('| --- | --- | --- | --- |');
  for (const [name] of READ_CASES) {
    const a = base.out[name];
    const b = big.out[name];
    console.log(`| ${name} | ${f(a.p50)} / ${f(a.p95)} / ${f(a.p99)} | ${f(b.p50)} / ${f(b.p95)} / ${f(b.p99)} | ${(b.p95 / a.p95).toFixed(1)}× |`);
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
