/* eslint-disable no-console */
/**
 * Heap per canary in the fleet, and what it is made of: one synthetic cluster through the real LIST → projection →
 * cache → aggregator path, then a heap snapshot grouped by object type (bytes per canary, count).
 *
 *   source scripts/env.sh && node --expose-gc node_modules/.bin/sucrase-node \
 *     plugins/delivery-backend/bench/fleetHeapProfile.ts [--canaries 20000] [--snapshot /tmp/fleet.heapsnapshot]
 *
 * "heap per canary" is heap used after a forced GC, loaded minus before, divided by the canaries; it includes each
 * canary's target and -primary Deployments, its row and the indices. The snapshot is written to --snapshot for a
 * closer look in Chrome's DevTools.
 */
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import { FleetAggregator } from '../src/fleet/aggregator';
import { ClusterCache } from '../src/kube/cache';
import { OBSERVED_PROJECTION } from '../src/kube/projectors';
import { SyntheticFleetTransport } from './fleetSynthetic';
import { quietLogger as quiet } from './quietLogger';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const N = Number(arg('canaries', '20000'));
const SNAPSHOT = arg('snapshot', '/tmp/fleet.heapsnapshot');
const gc = () => (global as { gc?: () => void }).gc!();

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

async function main() {
  const transport = new SyntheticFleetTransport('cluster-0', N);
  const fleet = new FleetAggregator({
    logger: quiet,
    clusters: [{ name: 'cluster-0', controller: 'flagger', cache: new ClusterCache({ transport, logger: quiet, ...OBSERVED_PROJECTION }) }],
  });
  gc();
  const before = process.memoryUsage().heapUsed;
  fleet.start();
  while (!fleet.clusterHealth().every(h => h.state === 'synced')) await new Promise(r => setTimeout(r, 20));
  gc();
  const perCanary = (process.memoryUsage().heapUsed - before) / N;
  v8.writeHeapSnapshot(SNAPSHOT);
  const snap = JSON.parse(fs.readFileSync(SNAPSHOT, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [ti, ni, si] = ['type', 'name', 'self_size'].map(f => fields.indexOf(f));
  const byType = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + ti]];
    const name = type.includes('string') || type === 'code' || type === 'closure' ? '' : snap.strings[snap.nodes[i + ni]];
    const key = `${type} ${name.slice(0, 50)}`.trim();
    const entry = byType.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += snap.nodes[i + si];
    entry.count++;
    byType.set(key, entry);
  }
  console.log(`\n### Heap per canary at ${N} canaries (one synthetic cluster): ${perCanary.toFixed(0)} bytes\n`);
  console.log('Whole heap by object type, per canary (module code and other fixed costs included):\n');
  console.log('| type | bytes per canary | objects |\n| --- | --- | --- |');
  for (const [key, { bytes, count }] of [...byType].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 15)) {
    console.log(`| ${key} | ${(bytes / N).toFixed(0)} | ${count} |`);
  }
  await fleet.stop();
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
