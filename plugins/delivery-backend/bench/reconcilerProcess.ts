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
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
  notes: string[];
  /** Start lateness (ms) of every tick since the previous sample. */
  lateness: number[];
  /** Duration (ms) of every tick since the previous sample. */
  durations: number[];
  /** Event-loop delay since the previous sample (ms): a blocked loop delays every tick alike. */
  loopDelayP99: number;
  loopDelayMax: number;
}

let warnings = 0;
const firstWarnings: string[] = [];
/** Lease changes and list-watch failures, with the time since start: what explains a stall. */
const notes: string[] = [];
const t0 = Date.now();
const note = (m: string) => {
  if (notes.length < 20) notes.push(`+${((Date.now() - t0) / 1000).toFixed(0)}s ${m.slice(0, 200)}`);
};
/** Errors are printed; warnings (a tick's failed write, a slow cache) are counted and the first few kept. */
const quiet: LoggerService = {
  error: m => console.error(m),
  warn: m => {
    if (++warnings <= 5) firstWarnings.push(m);
  },
  info: m => {
    if (/leading|stopped ticking|lease/i.test(m)) note(m);
  },
  debug: m => {
    if (m.startsWith('list-watch') || m.startsWith('lease')) note(m);
  },
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

const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();

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
    const delay = { loopDelayP99: loopDelay.percentile(99) / 1e6, loopDelayMax: loopDelay.max / 1e6 };
    loopDelay.reset();
    const out: SampleMessage = { type: 'sample', ...memory(), ...delay, ticks, warnings, firstWarnings, notes, lateness, durations };
    lateness = [];
    durations = [];
    send(out);
  } else if (m.type === 'stop') {
    void (async () => {
      await reconciler?.stop();
      await cache?.stop();
      // Pooled keep-alive sockets would keep the process alive; exiting still writes a --cpu-prof profile.
      process.send!({ type: 'stopped' }, () => process.exit(0));
    })();
  }
});

send({ type: 'loaded', ...memory() });
