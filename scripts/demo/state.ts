/** Where a running demo records how to reach it, so the `release` CLI and tests can drive it. */
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterAccess } from './kube.ts';

export interface DemoState {
  pid: number;
  /** The one URL to open: the podinfo Delivery tab. */
  url: string;
  backendUrl: string;
  /** Prometheus per cluster name. */
  prometheusUrls: Record<string, string>;
  simulatorUrl: string;
  /** Admin access to each local cluster (the demo's own, on loopback). */
  clusters: ClusterAccess[];
  namespace: string;
  target: string;
  startedAt: string;
}

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** `$DELIVERY_DEMO_DIR`, or `.cache/demo` in the repository (git-ignored). */
export function demoDir(): string {
  return process.env.DELIVERY_DEMO_DIR ? path.resolve(process.env.DELIVERY_DEMO_DIR) : path.join(repoRoot, '.cache', 'demo');
}

export function statePath(): string {
  return path.join(demoDir(), 'state.json');
}

export function writeState(state: DemoState): void {
  fs.writeFileSync(statePath(), JSON.stringify(state, null, 2), { mode: 0o600 });
}

/** The running demo's state; a clear error when none is running. */
export function readState(): DemoState {
  let state: DemoState;
  try {
    state = JSON.parse(fs.readFileSync(statePath(), 'utf8')) as DemoState;
  } catch {
    throw new Error(`no demo is running (no ${statePath()}); start one with ./scripts/demo.sh`);
  }
  try {
    process.kill(state.pid, 0);
  } catch {
    throw new Error(`the demo that wrote ${statePath()} (pid ${state.pid}) is not running; start one with ./scripts/demo.sh`);
  }
  return state;
}

export function clearState(): void {
  fs.rmSync(statePath(), { force: true });
}
