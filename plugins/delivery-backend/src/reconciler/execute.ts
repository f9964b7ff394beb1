import type { AnalysisCheck, Canary, CanaryPhase, CanaryWebhook } from '@delivery/plugin-delivery-common';
import { KINDS, type KubeObject, type ObjectReader, type ObjectWriter, type ResourceKind } from '../kube/types';
import type { Router } from '../routers/router';
import { SCALE_TO_ZERO_NODE_SELECTOR } from './hash';
import { runPostRolloutHooks } from './decide/hooks';
import { workloadKind } from './observe';
import { PAUSED_REPLICAS, primaryAutoscalerMatches } from './autoscaler';
import { FINALIZER, LAST_APPLIED, revertedService } from './decide/termination';
import type { HookCallResult, ScalerObject, ServiceObject, TickAction } from './types';

/**
 * Carries out a tick's actions in order, as idempotent writes ("make it so"). The whole status is written once,
 * at the position of the last status action; if an action fails first, the status reached so far is still
 * written, then the tick ends with a Warning carrying the error (the next tick is the retry).
 */

/** An object this tick wrote, so the next tick can wait until the cache has it (read-your-writes). */
export interface WrittenObject {
  kind: ResourceKind;
  namespace: string;
  name: string;
  resourceVersion: string;
}

/**
 * Wraps a writer for one tick: refuses writes once the lease is lost, remembers the resourceVersion of every object
 * written (for read-your-writes), and answers a read-modify-write that would change nothing from the cache, so an
 * idempotent "make it so" (routers reconcile every tick) costs no GET when the object is already right.
 */
export class RecordingWriter implements ObjectWriter {
  readonly written: WrittenObject[] = [];

  constructor(
    private readonly inner: ObjectWriter,
    private readonly allowed: () => boolean,
    private readonly cache?: ObjectReader,
  ) {}

  private note<T extends KubeObject | undefined>(kind: ResourceKind, obj: T): T {
    const rv = obj?.metadata?.resourceVersion;
    if (obj && rv) {
      this.written.push({ kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name, resourceVersion: rv });
    }
    return obj;
  }

  private guard(): void {
    if (!this.allowed()) throw new Error('not the lease holder: write refused');
  }

  async create<T extends KubeObject>(kind: ResourceKind, obj: T, opts?: { signal?: AbortSignal }) {
    this.guard();
    return this.note(kind, await this.inner.create(kind, obj, opts));
  }
  async update<T extends KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
    mutate: (current: T | undefined) => T | undefined,
    opts?: { signal?: AbortSignal },
  ) {
    const cached = this.cache?.get<T>(kind, namespace, name);
    if (cached && mutate(structuredClone(cached)) === undefined) return cached;
    this.guard();
    return this.note(kind, await this.inner.update(kind, namespace, name, mutate, opts));
  }
  async mergePatch<T extends KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
    patch: unknown,
    opts?: { signal?: AbortSignal },
  ) {
    this.guard();
    return this.note(kind, await this.inner.mergePatch<T>(kind, namespace, name, patch, opts));
  }
  async updateStatus<T extends KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
    mutate: (current: T) => T['status'] | undefined,
    opts?: { signal?: AbortSignal; cached?: T },
  ) {
    this.guard();
    // The tick waited until the cache held its last writes, so the cached copy is almost always current.
    const cached = opts?.cached ?? this.cache?.get<T>(kind, namespace, name);
    return this.note(kind, await this.inner.updateStatus(kind, namespace, name, mutate, { ...opts, cached }));
  }
  async delete(kind: ResourceKind, namespace: string, name: string, opts?: { signal?: AbortSignal }) {
    this.guard();
    return this.inner.delete(kind, namespace, name, opts);
  }
  async recordEvent(
    involved: KubeObject,
    event: { type: 'Normal' | 'Warning'; reason?: string; message: string; component?: string },
    opts?: { signal?: AbortSignal },
  ) {
    this.guard();
    return this.inner.recordEvent(involved, event, opts);
  }
}

const kube = (o: unknown) => o as KubeObject;

export interface ExecuteOptions {
  canary: Canary;
  actions: TickAction[];
  writer: ObjectWriter;
  router: Router;
  signal: AbortSignal;
  callHook: (hook: CanaryWebhook, phase: CanaryPhase) => Promise<HookCallResult>;
  now: () => Date;
  onAlert?: (action: Extract<TickAction, { type: 'alert' }>) => void;
}

export interface ExecuteResult {
  /** Checks of post-rollout hooks, for the history. */
  checks: AnalysisCheck[];
  /** The first failing action's error, after which nothing else ran. */
  error?: { action: TickAction['type']; message: string };
  statusWrites: number;
}

export async function executeActions(o: ExecuteOptions): Promise<ExecuteResult> {
  const { canary, writer, router, signal } = o;
  const ns = canary.metadata.namespace ?? 'default';
  const name = canary.metadata.name;
  const result: ExecuteResult = { checks: [], statusWrites: 0 };
  const lastStatusAt = o.actions.map(a => a.type).lastIndexOf('patchStatus');
  let pendingStatus: Extract<TickAction, { type: 'patchStatus' }> | undefined;

  const writeStatus = async () => {
    if (!pendingStatus) return;
    const status = pendingStatus.status;
    pendingStatus = undefined;
    await writer.updateStatus(KINDS.canary, ns, name, () => status, { signal });
    result.statusWrites++;
  };
  const event = (type: 'Normal' | 'Warning', message: string) =>
    writer.recordEvent(kube(canary), { type, message }, { signal });

  const run = async (action: TickAction, index: number): Promise<void> => {
    switch (action.type) {
      case 'recordEvent':
        return event(action.eventType, action.message);
      case 'alert':
        o.onAlert?.(action);
        return undefined;
      case 'applyService':
        // Allocated cluster IPs are immutable: keep the live ones even if the cache had not seen the Service yet.
        await writer.update<KubeObject>(
          KINDS.service,
          ns,
          action.service.metadata.name,
          current => {
            const live = (current as { spec?: { clusterIP?: string; clusterIPs?: string[] } } | undefined)?.spec;
            const service = withLiveLastApplied(action.service, current);
            if (!live?.clusterIP) return kube(service);
            return kube({ ...service, spec: { ...service.spec, clusterIP: live.clusterIP, clusterIPs: live.clusterIPs } });
          },
          { signal },
        );
        return undefined;
      case 'applyConfig': {
        const kind = action.object.kind === 'Secret' ? KINDS.secret : KINDS.configMap;
        await writer.update(kind, ns, action.object.metadata.name, () => kube(action.object), { signal });
        return undefined;
      }
      case 'createPrimary':
        await writer.create(workloadKind(canary), kube(action.workload), { signal });
        return undefined;
      case 'promotePrimary':
        await writer.update(workloadKind(canary), ns, action.workload.metadata.name, () => kube(action.workload), { signal });
        return undefined;
      case 'scaleTarget':
        await scaleTarget(writer, canary, action.replicas, signal);
        return undefined;
      case 'reconcileRouter':
        return router.reconcile(canary, { signal });
      case 'setRoutes':
        return router.setRoutes(
          canary,
          { primary: action.primary, canary: action.canary, mirrored: action.mirrored },
          { signal },
        );
      case 'patchStatus':
        pendingStatus = action;
        if (index === lastStatusAt) await writeStatus();
        return undefined;
      case 'runPostRolloutHooks': {
        await writeStatus();
        const post = await runPostRolloutHooks(canary, action.phase, o.callHook, o.now());
        result.checks.push(...post.checks);
        for (const a of post.actions) await event(a.eventType, a.message);
        return undefined;
      }
      case 'applyAutoscaler':
        await applyAutoscaler(writer, ns, action.autoscaler, signal);
        return undefined;
      case 'setScalerPaused':
        await setScalerPaused(writer, ns, canary.spec.autoscalerRef?.name ?? '', action.paused, signal);
        return undefined;
      case 'setFinalizer':
        await setFinalizer(writer, ns, name, action.present, signal);
        return undefined;
      case 'revertService':
        await writer.update<KubeObject>(
          KINDS.service,
          ns,
          action.name,
          current => kube(revertedService(current as unknown as ServiceObject | undefined, canary, action.selector)),
          { signal },
        );
        return undefined;
      case 'finalizeRouter':
        return router.finalize(canary, { signal });
      case 'clearAnnotations': {
        const annotations = Object.fromEntries(action.keys.map(k => [k, null]));
        await writer.mergePatch(KINDS.canary, ns, name, { metadata: { annotations } }, { signal });
        return undefined;
      }
      default:
        throw new Error(`unknown action ${(action as TickAction).type}`);
    }
  };

  for (let i = 0; i < o.actions.length; i++) {
    const action = o.actions[i];
    try {
      await run(action, i);
    } catch (e) {
      if (signal.aborted) throw signal.reason ?? e;
      const message = (e as Error).message;
      result.error = { action: action.type, message };
      // Keep what the tick already decided about status, then report the failure the way Flagger does.
      await writeStatus().catch(() => undefined);
      await event('Warning', message).catch(() => undefined);
      return result;
    }
  }
  return result;
}

/**
 * The watch cache drops kubectl's last-applied annotation, so a taken-over Service built from the cache would lose
 * it on write; it is what revertOnDeletion restores the selector from (and what `kubectl apply` diffs against).
 */
function withLiveLastApplied(service: ServiceObject, live: KubeObject | undefined): ServiceObject {
  const lastApplied = live?.metadata.annotations?.[LAST_APPLIED];
  if (lastApplied === undefined || service.metadata.annotations?.[LAST_APPLIED] !== undefined) return service;
  const annotations = { ...service.metadata.annotations, [LAST_APPLIED]: lastApplied };
  return { ...service, metadata: { ...service.metadata, annotations } };
}

/** Creates `<hpa>-primary`, or takes the desired spec and labels into the live one (its other metadata stays). */
async function applyAutoscaler(
  writer: ObjectWriter,
  ns: string,
  desired: ScalerObject,
  signal: AbortSignal,
) {
  await writer.update<KubeObject>(
    desired.kind === 'ScaledObject' ? KINDS.scaledObject : KINDS.horizontalPodAutoscaler,
    ns,
    desired.metadata.name,
    current => {
      if (!current) return kube(desired);
      const live = current as unknown as ScalerObject;
      if (primaryAutoscalerMatches(live, desired)) return undefined;
      return kube({ ...live, metadata: { ...live.metadata, labels: desired.metadata.labels }, spec: desired.spec });
    },
    { signal },
  );
}

/** Read-modify-write of one object's metadata; `change` answers undefined when it is already right. */
async function updateMetadata(
  writer: ObjectWriter,
  target: { kind: ResourceKind; ns: string; name: string },
  change: (meta: KubeObject['metadata']) => Partial<KubeObject['metadata']> | undefined,
  signal: AbortSignal,
) {
  await writer.update<KubeObject>(
    target.kind,
    target.ns,
    target.name,
    current => {
      const next = current && change(current.metadata);
      return next && { ...current!, metadata: { ...current!.metadata, ...next } };
    },
    { signal },
  );
}

/** Pauses (annotation `autoscaling.keda.sh/paused-replicas: "0"`) or resumes the target ScaledObject. */
function setScalerPaused(writer: ObjectWriter, ns: string, name: string, paused: boolean, signal: AbortSignal) {
  return updateMetadata(
    writer,
    { kind: KINDS.scaledObject, ns, name },
    meta => {
      const annotations = { ...meta.annotations };
      if (paused === (annotations[PAUSED_REPLICAS] === '0')) return undefined;
      if (paused) annotations[PAUSED_REPLICAS] = '0';
      else delete annotations[PAUSED_REPLICAS];
      return { annotations };
    },
    signal,
  );
}

/** The finalizer list is read-modified-written, never merge-patched: that would replace other controllers' entries. */
function setFinalizer(writer: ObjectWriter, ns: string, name: string, present: boolean, signal: AbortSignal) {
  return updateMetadata(
    writer,
    { kind: KINDS.canary, ns, name },
    meta => {
      const list = meta.finalizers ?? [];
      if (list.includes(FINALIZER) === present) return undefined;
      return { finalizers: present ? [...list, FINALIZER] : list.filter(f => f !== FINALIZER) };
    },
    signal,
  );
}

async function scaleTarget(writer: ObjectWriter, canary: Canary, replicas: number, signal: AbortSignal) {
  const ns = canary.metadata.namespace ?? 'default';
  const name = canary.spec.targetRef.name;
  const kind = workloadKind(canary);
  if (kind === KINDS.deployment) {
    await writer.mergePatch(kind, ns, name, { spec: { replicas } }, { signal });
    return;
  }
  await writer.mergePatch(
    kind,
    ns,
    name,
    {
      spec: {
        template: { spec: { nodeSelector: { [SCALE_TO_ZERO_NODE_SELECTOR]: replicas === 0 ? 'true' : null } } },
      },
    },
    { signal },
  );
}
