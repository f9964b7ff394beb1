/* eslint-disable no-console */
/**
 * Retained heap per cached object of each fleet projection, from one synthetic cluster's LIST pages: which part of
 * the fleet's memory dominates, measured (heap used after a forced GC, before and after keeping N objects).
 *
 *   source scripts/env.sh && node --expose-gc node_modules/.bin/sucrase-node plugins/delivery-backend/bench/fleetMemProbe.ts [--canaries 2000]
 */
import { resourcePath } from '../src/kube/clusters';
import { KINDS, KubeObject } from '../src/kube/types';
import { observedCompactorFor, observedProjectorFor } from '../src/kube/projectors';
import { SyntheticFleetTransport } from './fleetSynthetic';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('canaries', 2000);
const gc = () => (global as { gc?: () => void }).gc!();

async function retained(kind: typeof KINDS.canary, count: number): Promise<number> {
  const transport = new SyntheticFleetTransport('cluster-0', N);
  const projector = observedProjectorFor(kind);
  const compactor = observedCompactorFor(kind);
  const project = (o: KubeObject) => (compactor ? compactor(projector(o)) : projector(o));
  const kept: KubeObject[] = [];
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let start = 0; start < count; start += 100) {
    const page = await transport.request<{ items: KubeObject[] }>({ method: 'GET', path: resourcePath(kind), query: { limit: '100', continue: String(start) } } as never);
    for (const o of page.items) kept.push(project(o));
  }
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / kept.length;
  if (kept.length !== count) throw new Error('short list');
  return bytes;
}

async function main() {
  console.log(`| projection | retained bytes per object (${N} canaries) |\n| --- | --- |`);
  console.log(`| Deployment (target and primary, observed cluster) | ${(await retained(KINDS.deployment, N * 2)).toFixed(0)} |`);
  console.log(`| Canary (record) | ${(await retained(KINDS.canary, N)).toFixed(0)} |`);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
