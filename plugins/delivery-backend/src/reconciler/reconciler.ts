import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Canary } from '@delivery/plugin-delivery-common';
import { createCanaryNotifications } from '../alerts/notifications';
import { secretGetter } from '../alerts/secrets';
import { PrometheusClients } from '../analysis/prometheus';
import type { ClusterConfig, ReconcilerConfig } from '../config';
import type { HistoryRecorder } from '../history/store';
import type { ClusterCache } from '../kube/cache';
import { KubeHttpClient } from '../kube/clusters';
import { LeaderElector, type LeaderElectorOptions } from '../kube/lease';
import { KubeObjectWriter } from '../kube/writer';
import { ABORT_ANNOTATION, PROMOTE_NOW_ANNOTATION } from '../actions/intents';
import { WebhookCaller } from '../webhooks/call';
import type { GateResolver } from '../webhooks/gates';
import type { WatchEvent } from '../kube/listWatch';
import { KINDS, type KubeObject } from '../kube/types';
import type { WrittenObject } from './execute';
import { TickScheduler, type RunResult, type ScheduledRun, type SchedulerClock, systemClock } from './scheduler';
import { runTick, type TickDeps } from './tick';
import { DEFAULT_SETTINGS, type ReconcilerSettings } from './types';

/**
 * The reconciler of one cluster: while this replica holds the cluster's Lease, one scheduler runs the ticks of
 * every canary in scope; when the lease is lost, in-flight ticks are aborted (their writes refused) and the queue
 * is dropped, before the lease can expire for another replica.
 */

export interface ClusterReconcilerOptions {
  cache: ClusterCache;
  lease: LeaderElector;
  tick: Omit<TickDeps, 'canWrite' | 'reader'>;
  workers: number;
  /** Namespaces to reconcile; all when undefined or empty. */
  namespaces?: string[];
  logger: LoggerService;
  clock?: SchedulerClock;
  /** Observes each run's start lateness (benchmarks, metrics). */
  onTickStart?: (run: ScheduledRun, latenessMs: number) => void;
  onTickEnd?: (run: ScheduledRun, durationMs: number) => void;
}

const keyOf = (ns: string | undefined, name: string) => `${ns ?? 'default'}/${name}`;

/** A portal request that is new on this Canary (annotations do not bump generation). */
function newIntent(obj: KubeObject, old: KubeObject | undefined): boolean {
  return [PROMOTE_NOW_ANNOTATION, ABORT_ANNOTATION].some(k => {
    const now = obj.metadata.annotations?.[k];
    return now !== undefined && now !== old?.metadata.annotations?.[k];
  });
}

function templateOf(obj: KubeObject | undefined): string {
  return JSON.stringify((obj as { spec?: { template?: unknown } } | undefined)?.spec?.template ?? null);
}

export class ClusterReconciler {
  private readonly o: ClusterReconcilerOptions;
  private readonly clock: SchedulerClock;
  private scheduler: TickScheduler | undefined;
  /** Aborted when this replica stops leading (lease lost or stopped): ends every tick of the term. */
  private leading: AbortController | undefined;
  private readonly lastWrites = new Map<string, WrittenObject[]>();
  private readonly unsubscribers: Array<() => void> = [];
  private stopLeaderListener: (() => void) | undefined;

  constructor(options: ClusterReconcilerOptions) {
    this.o = options;
    this.clock = options.clock ?? systemClock;
  }

  get cluster(): string {
    return this.o.tick.cluster;
  }

  isLeader(): boolean {
    return this.o.lease.isLeader();
  }

  /** Canaries queued or running (0 while not leading). */
  get queued(): number {
    return this.scheduler?.size ?? 0;
  }

  start(): void {
    // Watches start now so a takeover finds warm caches.
    this.o.cache.watch({ kind: KINDS.canary });
    this.o.cache.watch({ kind: KINDS.deployment });
    this.stopLeaderListener = this.o.lease.onChange(leader => {
      if (leader) void this.lead();
      else void this.follow();
    });
    this.o.lease.start();
  }

  /** Stops ticking and renewing. The Lease is not released: a hard stop looks like a crash to the other replicas. */
  async stop(): Promise<void> {
    this.stopLeaderListener?.();
    await this.o.lease.stop();
    await this.follow();
  }

  private inScope(ns: string | undefined): boolean {
    const allowed = this.o.namespaces;
    return !allowed?.length || allowed.includes(ns ?? 'default');
  }

  private async lead(): Promise<void> {
    await this.follow();
    const term = this.o.lease.signal;
    const leading = new AbortController();
    this.leading = leading;
    // One listener per running tick (see tickSignal), and follow() aborts it before stopping the scheduler.
    setMaxListeners(this.o.workers + 4, leading.signal);
    if (term.aborted) leading.abort(term.reason);
    else term.addEventListener('abort', () => leading.abort(term.reason), { once: true });
    const scheduler = new TickScheduler({
      workers: this.o.workers,
      clock: this.clock,
      run: job => this.runLinked(job, leading.signal),
      onStart: this.o.onTickStart,
      onError: (key, e) => this.o.logger.warn(`canary ${key}: tick failed: ${(e as Error).message}`),
    });
    this.scheduler = scheduler;
    const canaries = this.o.cache.watch({ kind: KINDS.canary });
    const deployments = this.o.cache.watch({ kind: KINDS.deployment });
    await this.waitSynced([canaries, deployments], term);
    if (term.aborted || this.scheduler !== scheduler) return;
    this.o.logger.info(`reconciler ${this.cluster}: leading; ${canaries.size} canaries in cache`);

    this.unsubscribers.push(
      canaries.subscribe(e => this.onCanary(e as WatchEvent<Canary & KubeObject>)),
      deployments.subscribe(e => this.onWorkload(e)),
    );
    // Every canary's first tick after a takeover or restart is a resume: no step before one interval.
    for (const c of canaries.list()) {
      if (this.inScope(c.metadata.namespace)) {
        scheduler.schedule(keyOf(c.metadata.namespace, c.metadata.name), this.clock.now(), 'resume');
      }
    }
  }

  private async waitSynced(watches: Array<{ hasSynced: boolean }>, signal: AbortSignal) {
    while (!watches.every(w => w.hasSynced) && !signal.aborted) await new Promise(r => setTimeout(r, 50));
  }

  private async follow(): Promise<void> {
    this.unsubscribers.splice(0).forEach(u => u());
    const s = this.scheduler;
    this.scheduler = undefined;
    this.leading?.abort(new Error('no longer leading'));
    this.leading = undefined;
    this.lastWrites.clear();
    if (s) {
      await s.stop();
      this.o.logger.info(`reconciler ${this.cluster}: stopped ticking`);
    }
  }

  private onCanary(e: WatchEvent<Canary & KubeObject>) {
    const { namespace, name } = e.object.metadata;
    if (!this.inScope(namespace)) return;
    const key = keyOf(namespace, name);
    if (e.type === 'delete') {
      this.scheduler?.remove(key);
      this.lastWrites.delete(key);
      return;
    }
    // Status writes (ours) do not bump generation; spec edits and new canaries do and are ticked at once.
    // A portal request is carried out at once rather than at the next interval.
    if (e.type === 'add' || e.object.metadata.generation !== e.old?.metadata.generation || newIntent(e.object, e.old)) {
      this.scheduler?.schedule(key, this.clock.now(), 'event');
    }
  }

  private onWorkload(e: WatchEvent) {
    const { namespace, name } = e.object.metadata;
    if (!this.inScope(namespace) || e.type === 'delete') return;
    // Only a new pod template (e.g. `kubectl set image`) is news; scaling and rollout status are ours or noise.
    if (e.type === 'update' && templateOf(e.object) === templateOf(e.old)) return;
    for (const c of this.o.cache.list<Canary & KubeObject>(KINDS.canary, namespace)) {
      if (c.spec?.targetRef?.name === name && (c.spec.targetRef.kind ?? 'Deployment') === 'Deployment') {
        this.scheduler?.schedule(keyOf(namespace, c.metadata.name), this.clock.now(), 'event');
      }
    }
  }

  /**
   * Runs a tick with a signal of its own that follows `leading`. Not AbortSignal.any: Node 22 keeps every signal
   * composed from a source in a set on that source and, each time one is collected, walks the whole set, so
   * thousands of ticks composed from one long-lived signal blocked the event loop for ~1 s at 1,000 canaries.
   */
  private async runLinked(job: ScheduledRun, leading: AbortSignal): Promise<RunResult> {
    const tick = new AbortController();
    const onAbort = () => tick.abort(leading.reason);
    if (leading.aborted) onAbort();
    else leading.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.runOne(job, tick.signal);
    } finally {
      leading.removeEventListener('abort', onAbort);
    }
  }

  private async runOne(job: ScheduledRun, stop: AbortSignal): Promise<RunResult> {
    const [namespace, name] = job.key.split('/');
    const started = this.clock.now();
    const result = await runTick(
      {
        ...this.o.tick,
        reader: this.o.cache,
        canWrite: () => this.o.lease.isLeader(),
        isSynced: kind => this.o.cache.hasSynced(kind),
      },
      {
        namespace,
        name,
        resumed: job.reason !== 'interval',
        stop,
        previousWrites: this.lastWrites.get(job.key),
      },
    ).catch(e => {
      if (stop.aborted) return null;
      // An unexpected error must not drop the canary: log it and retry after the shortest interval.
      this.o.logger.warn(`canary ${job.key}: tick failed: ${(e as Error).stack ?? e}`);
      return { retry: true as const };
    });
    this.o.onTickEnd?.(job, this.clock.now() - started);
    if (result === null) return undefined;
    if (result && 'retry' in result) {
      return {
        next: this.clock.now() + Math.max(1, this.o.tick.settings.minIntervalSeconds) * 1000,
        reason: job.reason,
      };
    }
    if (!result) {
      this.lastWrites.delete(job.key);
      return undefined;
    }
    this.lastWrites.set(job.key, result.written);
    this.o.logger.debug(
      `canary ${job.key}: ${job.reason} tick → ${result.outcome}${result.notBefore ? ` until ${new Date(result.notBefore).toISOString()}` : ''}`,
    );
    const next = Math.max(result.notBefore ?? (result.decidedAt ?? started) + result.intervalMs, this.clock.now());
    // A tick that decided nothing must not spend the restart rule: its retry is still a resume.
    const decided = result.outcome !== 'cache-not-synced' && result.outcome !== 'invalid-spec';
    return { next, reason: decided ? 'interval' : job.reason };
  }
}

export interface CreateClusterReconcilerOptions {
  cluster: ClusterConfig;
  /** The shared cache of this cluster (from createFleet), so one watch per kind serves fleet and reconciler. */
  cache: ClusterCache;
  logger: LoggerService;
  config: Pick<
    ReconcilerConfig,
    | 'namespaces'
    | 'metricsServer'
    | 'meshProvider'
    | 'workers'
    | 'maxQueriesPerEndpoint'
    | 'leaseNamespace'
    | 'notifier'
    | 'eventWebhookUrl'
  > & { minIntervalSeconds?: number; leaseName?: string };
  /** Unique per replica; two replicas with the same identity would both believe they hold the lease. */
  identity: string;
  history?: HistoryRecorder;
  gates?: GateResolver;
  settings?: Partial<ReconcilerSettings>;
  clock?: SchedulerClock;
  /** Lease timings (tests shorten nothing here; the defaults are 15 s / 10 s / 2 s). */
  lease?: Pick<LeaderElectorOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>;
  onTickStart?: ClusterReconcilerOptions['onTickStart'];
  onTickEnd?: ClusterReconcilerOptions['onTickEnd'];
}

/**
 * Builds the reconciler of one cluster from config: writes and the Lease each get their own HTTP client (own
 * connection pool), so neither reconciler traffic nor watches can delay a lease renewal.
 */
export function createClusterReconciler(o: CreateClusterReconcilerOptions): ClusterReconciler {
  const logger = o.logger.child({ cluster: o.cluster.name, component: 'reconciler' });
  const client = new KubeHttpClient({ cluster: o.cluster });
  const writer = new KubeObjectWriter({ transport: client });
  const lease = new LeaderElector({
    transport: new KubeHttpClient({ cluster: o.cluster, maxSockets: 2, requestTimeoutMs: 10_000 }),
    namespace: o.config.leaseNamespace,
    name: o.config.leaseName ?? 'delivery-reconciler',
    identity: o.identity,
    logger,
    ...o.lease,
  });
  const settings: ReconcilerSettings = {
    ...DEFAULT_SETTINGS,
    minIntervalSeconds: o.config.minIntervalSeconds ?? DEFAULT_SETTINGS.minIntervalSeconds,
    newId: () => randomUUID(),
    clusterName: o.cluster.name,
    ...o.settings,
  };
  const webhooks = new WebhookCaller({ gates: o.gates });
  const notifications = createCanaryNotifications({
    reader: o.cache,
    isSynced: kind => o.cache.hasSynced(kind),
    getSecret: secretGetter(client),
    webhooks,
    logger,
    notifier: o.config.notifier,
    eventWebhookUrl: o.config.eventWebhookUrl,
  });
  return new ClusterReconciler({
    cache: o.cache,
    lease,
    workers: o.config.workers,
    namespaces: o.config.namespaces,
    logger,
    clock: o.clock,
    onTickStart: o.onTickStart,
    onTickEnd: o.onTickEnd,
    tick: {
      cluster: o.cluster.name,
      writer,
      webhooks,
      notifications,
      prometheus: new PrometheusClients({ maxPerEndpoint: o.config.maxQueriesPerEndpoint }),
      metricsServer: o.config.metricsServer,
      meshProvider: o.config.meshProvider,
      settings,
      history: o.history,
      logger,
      now: () => new Date(),
    },
  });
}
