/* eslint-disable no-console */
/**
 * The reconciler of bench/reconciler.ts in a process of its own, so its RSS is the reconciler's and nothing else's
 * (no cluster harness, no object generator, no audit-log parsing). The bench bundles it to plain JavaScript with
 * esbuild (no transpiler in the process, as in a built backend) and starts it with `node --expose-gc` over IPC.
 *
 * Messages in: start (cluster and config), sample (gc, then memory and the tick timings since the last sample),
 * stop. Messages out: loaded (memory with the modules loaded, before any cache or reconciler exists), started,
 * sample, stopped.
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ClusterConfig } from '../src/config';
import { ClusterCache } from '../src/kube/cache';
import { KubeHttpClient } from '../src/kube/clusters';
import { reconcilerProjectorFor } from '../src/kube/projectors';
import { createClusterReconciler, type ClusterReconciler } from '../src/reconciler/reconciler';

export interface StartMessage {
  type: 'start';
  cluster: ClusterConfig;
  workers: number;
}

export interface MemorySample {
  rss: number;
  /** Peak RSS of the process so far (VmHWM). */
  peakRss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  /** Committed size of V8's young generation (new space): grows under allocation churn, rarely shrinks. */
  newSpace: number;
}

export interface SampleMessage extends MemorySample {
  type: 'sample';
  ticks: number;
  /** Warnings logged so far (failed writes, slow caches), and the first few of them. */
  warnings: number;
  firstWarnings: string[];
  /** Start lateness (ms) of every tick since the previous sample. */
  lateness: number[];
  /** Duration (ms) of every tick since the previous sample. */
  durations: number[];
}

let warnings = 0;
const firstWarnings: string[] = [];
/** Errors are printed; warnings (a tick's failed write, a slow cache) are counted and the first few kept. */
const quiet: LoggerService = {
  error: m => console.error(m),
  warn: m => {
    if (++warnings <= 5) firstWarnings.push(m);
  },
  info: () => undefined,
  debug: () => undefined,
  child: () => quiet,
};

function memory(): MemorySample {
  global.gc?.();
  const m = process.memoryUsage();
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return {
    rss: m.rss,
    peakRss: hwm ? Number(hwm[1]) * 1024 : NaN,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    newSpace: v8.getHeapSpaceStatistics().find(sp => sp.space_name === 'new_space')?.space_size ?? NaN,
  };
}

const send = (m: object) => process.send!(m);

let cache: ClusterCache | undefined;
let reconciler: ClusterReconciler | undefined;
let ticks = 0;
let lateness: number[] = [];
let durations: number[] = [];

process.on('message', (m: { type: string } & Partial<StartMessage>) => {
  if (m.type === 'start') {
    const cfg = m.cluster!;
    // The projection the plugin uses on a cluster it reconciles (see createFleet).
    cache = new ClusterCache({
      transport: new KubeHttpClient({ cluster: cfg }),
      logger: quiet,
      projectorFor: reconcilerProjectorFor,
    });
    reconciler = createClusterReconciler({
      cluster: cfg,
      cache,
      logger: quiet,
      identity: 'bench',
      config: {
        metricsServer: 'http://127.0.0.1:1',
        meshProvider: 'kubernetes',
        workers: m.workers!,
        maxQueriesPerEndpoint: 8,
        leaseNamespace: 'kube-system',
        // minIntervalSeconds stays at the plugin's default (10 s): also the retry delay after a failed tick.
      },
      onTickStart: (_run, ms) => {
        ticks++;
        lateness.push(ms);
      },
      onTickEnd: (_run, ms) => durations.push(ms),
    });
    reconciler.start();
    send({ type: 'started' });
  } else if (m.type === 'sample') {
    const out: SampleMessage = { type: 'sample', ...memory(), ticks, warnings, firstWarnings, lateness, durations };
    lateness = [];
    durations = [];
    send(out);
  } else if (m.type === 'stop') {
    void (async () => {
      await reconciler?.stop();
      await cache?.stop();
      send({ type: 'stopped' });
      process.disconnect();
    })();
  }
});

send({ type: 'loaded', ...memory() });
