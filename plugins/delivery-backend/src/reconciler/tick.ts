import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Canary, CanaryRef } from '@delivery/plugin-delivery-common';
import { forwardingEvents } from '../alerts/eventWebhooks';
import type { CanaryNotifications } from '../alerts/notifications';
import type { PrometheusClients } from '../analysis/prometheus';
import type { HistoryRecorder } from '../history/store';
import { KINDS, type KubeObject, type ObjectReader, type ObjectWriter, type ResourceKind } from '../kube/types';
import { RouterFactory, UnknownProviderError } from '../routers/factory';
import { KubernetesRouter } from '../routers/kubernetes';
import type { Router } from '../routers/router';
import type { WebhookCaller } from '../webhooks/call';
import { withInvalidSpec } from './conditions';
import { decide } from './decide';
import { analysisIntervalSeconds } from './decide/settings';
import { createTickEffects } from './effects';
import { executeActions, RecordingWriter, type WrittenObject } from './execute';
import { kindsRead, observeCanary, readAs, validateCanary, workloadKind } from './observe';
import type { ReconcilerSettings, TickOutcome, Workload } from './types';

/**
 * One tick of one canary: observe from the caches → decide (pure) → execute the actions → record the checks.
 * Hooks and queries share an I/O deadline inside the interval, so a slow hook cannot make the tick overrun.
 */

export interface TickDeps {
  cluster: string;
  reader: ObjectReader;
  writer: ObjectWriter;
  webhooks: WebhookCaller;
  prometheus: PrometheusClients;
  metricsServer: string;
  meshProvider: string;
  nginxAnnotationsPrefix?: string;
  settings: ReconcilerSettings;
  history?: HistoryRecorder;
  logger: LoggerService;
  now: () => Date;
  /** False once the lease is lost: every write checks it. */
  canWrite: () => boolean;
  /** Whether the watch of a kind has completed its first LIST (ClusterCache.hasSynced); assumed when absent. */
  isSynced?: (kind: ResourceKind) => boolean;
  /** Share of the interval hooks and queries may use (default 0.8). */
  ioBudget?: number;
  /** Where alerts and recorded events go (AlertProviders, event webhooks); only logged when absent. */
  notifications?: CanaryNotifications;
}

export interface TickRequest {
  namespace: string;
  name: string;
  /** First tick after a start or a takeover, or one triggered by a watch event: no step before one interval. */
  resumed: boolean;
  /** Lease loss or shutdown: aborts the tick; nothing is written after it fires. */
  stop: AbortSignal;
  /** What the previous tick of this canary wrote; the tick waits until the cache has seen it. */
  previousWrites?: WrittenObject[];
}

export interface TickResult {
  outcome: TickOutcome | 'invalid-spec' | 'cache-not-synced';
  intervalMs: number;
  notBefore?: number;
  /**
   * When the decision was taken (after waiting for the cache). The next interval counts from here, not from when
   * the tick was dequeued: a tick that waited for its own last writes must not make the next step come early.
   */
  decidedAt?: number;
  written: WrittenObject[];
  actionError?: string;
}

/** Waits (bounded) until the cache holds at least the given resourceVersions. */
export async function waitForCache(
  reader: ObjectReader,
  written: WrittenObject[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const newest = new Map<string, WrittenObject>();
  for (const w of written) newest.set(`${w.kind.plural}/${w.namespace}/${w.name}`, w);
  const seen = (w: WrittenObject) => {
    const rv = reader.get(w.kind, w.namespace, w.name)?.metadata.resourceVersion;
    if (rv === undefined) return false;
    if (/^\d+$/.test(rv) && /^\d+$/.test(w.resourceVersion)) return BigInt(rv) >= BigInt(w.resourceVersion);
    return rv === w.resourceVersion;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ([...newest.values()].every(seen)) return true;
    if (Date.now() >= deadline || signal?.aborted) return false;
    await new Promise(r => setTimeout(r, 10));
  }
}

export async function runTick(deps: TickDeps, req: TickRequest): Promise<TickResult | undefined> {
  const { reader, settings, logger } = deps;
  if (req.previousWrites?.length) {
    const caught = await waitForCache(reader, req.previousWrites, 5000, req.stop);
    if (!caught) logger.warn(`canary ${req.namespace}/${req.name}: cache did not catch up with the last writes in 5s`);
  }
  req.stop.throwIfAborted();
  const canary = readAs<Canary>(reader, KINDS.canary, req.namespace, req.name);
  if (!canary) return undefined;

  const intervalMs = analysisIntervalSeconds(canary.spec, settings.minIntervalSeconds) * 1000;
  const notifications = deps.notifications;
  // Inside the lease check: an event a non-leader may not record is not forwarded either.
  const eventSink = notifications
    ? forwardingEvents(deps.writer, e => notifications.event(canary, e), deps.now)
    : deps.writer;
  // Leading and not stopped: every write, and every alert, asks the same question.
  const mayWrite = () => deps.canWrite() && !req.stop.aborted;
  const writer = new RecordingWriter(eventSink, mayWrite, reader);
  const factory = new RouterFactory({
    reader,
    writer,
    defaultProvider: deps.meshProvider,
    nginxAnnotationsPrefix: deps.nginxAnnotationsPrefix,
  });
  const writeSignal = AbortSignal.any([req.stop, AbortSignal.timeout(Math.max(intervalMs, 5000))]);

  // A Canary being deleted is reverted even with a spec we refuse, so its finalizer can never stay forever.
  const deleting = Boolean(canary.metadata.deletionTimestamp);
  const invalid = deleting ? undefined : validateCanary(canary, reader, factory, settings);
  if (invalid) {
    await reportInvalid(writer, canary, invalid, deps.now().toISOString(), writeSignal);
    return { outcome: 'invalid-spec', intervalMs, written: writer.written };
  }

  const router = deleting ? routerForDeletion(factory, canary) : factory.forCanary(canary);
  const provider = factory.providerOf(canary);
  const target = readAs<Workload>(reader, workloadKind(canary), req.namespace, canary.spec.targetRef.name);
  const unsynced = kindsRead(canary, router, target).filter(k => {
    reader.get(k, req.namespace, canary.metadata.name); // starts the watch if nobody has yet
    return deps.isSynced && !deps.isSynced(k);
  });
  if (unsynced.length) {
    // Deciding on a half-filled cache would see objects as missing: come back shortly instead.
    return { outcome: 'cache-not-synced', intervalMs: Math.min(1000, intervalMs), written: [] };
  }
  const observation = observeCanary({ reader, canary, router, provider, resumed: req.resumed });
  const ioDeadline = AbortSignal.timeout(Math.max(200, Math.floor(intervalMs * (deps.ioBudget ?? 0.8))));
  const effectsOptions = {
    canary,
    router,
    reader,
    webhooks: deps.webhooks,
    prometheus: deps.prometheus,
    meshProvider: deps.meshProvider,
    metricsServer: deps.metricsServer,
    stop: req.stop,
  };
  const decidedAt = deps.now();
  const plan = await decide({
    observation,
    effects: createTickEffects({ ...effectsOptions, deadline: ioDeadline }),
    settings,
    now: decidedAt,
  });
  req.stop.throwIfAborted();

  const ref: CanaryRef = { cluster: deps.cluster, namespace: req.namespace, name: req.name };
  // Recorded before the writes: the run tracker ends the run as soon as it sees the new phase, and an actor recorded
  // after that would attach to no run.
  for (const a of plan.actors ?? []) {
    deps.history
      ?.recordAction(ref, { ...a, time: deps.now().toISOString() })
      .catch(e => logger.warn(`history: ${a.action} by ${a.actor} not recorded: ${(e as Error).message}`));
  }

  // Post-rollout hooks run after the status write, with the write budget rather than the analysis deadline.
  const postEffects = createTickEffects({ ...effectsOptions, deadline: writeSignal });
  const executed = await executeActions({
    canary,
    actions: plan.actions,
    writer,
    router,
    signal: writeSignal,
    callHook: postEffects.callHook,
    now: deps.now,
    onAlert: a => {
      if (notifications && mayWrite()) notifications.alert(canary, a);
      else logger.info(`canary ${req.namespace}/${req.name} alert (${a.severity}): ${a.message}`);
    },
  });

  for (const t of executed.error ? [] : plan.transitions) {
    logger.info(`canary ${req.namespace}/${req.name}: ${t.from || '(new)'} → ${t.to}: ${t.reason}`);
  }
  if (deps.history) {
    const history = deps.history;
    for (const check of [...plan.checks, ...executed.checks]) {
      history.recordCheck(ref, check).catch(e => logger.warn(`history: check not recorded: ${(e as Error).message}`));
    }
  }
  if (executed.error) {
    logger.warn(`canary ${req.namespace}/${req.name}: ${executed.error.action} failed: ${executed.error.message}`);
  }
  return {
    outcome: plan.outcome,
    intervalMs: plan.intervalMs,
    notBefore: plan.notBefore ? Date.parse(plan.notBefore) : undefined,
    decidedAt: decidedAt.getTime(),
    written: writer.written,
    actionError: executed.error?.message,
  };
}

/** An unknown provider never created router objects, so there is nothing for its router to revert. */
function routerForDeletion(factory: RouterFactory, canary: Canary): Router {
  try {
    return factory.forCanary(canary);
  } catch (e) {
    if (!(e instanceof UnknownProviderError)) throw e;
    return new KubernetesRouter();
  }
}

/** The Valid=False condition and a Warning, written only when the problem is new or changed. */
async function reportInvalid(
  writer: ObjectWriter,
  canary: Canary,
  invalid: { reason: string; message: string },
  nowIso: string,
  signal: AbortSignal,
): Promise<void> {
  const conditions = withInvalidSpec(canary.status?.conditions, invalid, nowIso);
  if (!conditions) return;
  await writer.updateStatus(
    KINDS.canary,
    canary.metadata.namespace ?? 'default',
    canary.metadata.name,
    current => ({ ...((current.status as object) ?? {}), conditions }),
    { signal },
  );
  await writer.recordEvent(canary as unknown as KubeObject, { type: 'Warning', message: invalid.message }, { signal });
}
