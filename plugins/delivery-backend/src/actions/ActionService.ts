import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import { Canary, CanaryRef, canaryKey } from '@delivery/plugin-delivery-common';
import { requiredApprovals, runKeyOf } from '../gates/policy';
import { gateKeyOf } from '../gates/resolver';
import { GateRecord, GateStore, GateType } from '../gates/types';
import { HistoryRecorder } from '../history/store';
import { KINDS, KubeObject, ObjectWriter } from '../kube/types';
import { ACTION_PERMISSION, ActionId, OfferedAction, availableActions, findOffered } from './availability';
import { GuardedRequest } from './guard';
import { ABORT_ANNOTATION, ActionIntent, PROMOTE_NOW_ANNOTATION, RETRY_ANNOTATION, encodeIntent } from './intents';
import { ObservedState, staleObservation } from './observed';
import { ActionHistory, CanaryState, stateOf } from './actionHistory';

export interface ActionBody {
  observed: ObservedState;
  gate?: string;
  comment?: string;
}

/** What the route answers and the audit event records. */
export interface ActionOutcome {
  action: ActionId;
  /** False when the request repeated one already carried out (a double click): nothing was written. */
  changed: boolean;
  message: string;
  gate?: { type: GateType; state: GateRecord['state']; approvals: number; required: number };
  before: CanaryState;
  after: CanaryState;
}

export interface ActionServiceOptions {
  gates: GateStore;
  /** The writer of a cluster; undefined for a cluster we cannot write to. */
  writer(cluster: string): ObjectWriter | undefined;
  controller(cluster: string): 'delivery' | 'flagger';
  history: HistoryRecorder;
  logger: LoggerService;
  defaultRequiredApprovals: number;
  /** Called after a change so open Delivery tabs re-fetch even when no watched object changed (a vote). */
  changed?(ref: CanaryRef): void;
  now?: () => Date;
  /** Deadline of the cluster writes of one action. Default 15 s. */
  timeoutMs?: number;
}

const EVENT_COMPONENT = 'delivery-backstage';
const approvalsOf = (g: GateRecord) => new Set(g.votes.filter(v => v.decision === 'approve').map(v => v.actor)).size;

/**
 * Carries out one action a guarded request asked for: re-checks the state the user saw and that the action is
 * still offered, writes (idempotently, conflict-retried), records a Kubernetes Event naming the actor and a history
 * row, and records a refused attempt (409) as a history row too. The guard (identity, entity, permission) and the
 * audit event live in the route that calls this.
 */
export class ActionService {
  private readonly now: () => Date;
  private readonly timeoutMs: number;
  private readonly history: ActionHistory;

  constructor(private readonly o: ActionServiceOptions) {
    this.now = o.now ?? (() => new Date());
    this.timeoutMs = o.timeoutMs ?? 15_000;
    this.history = new ActionHistory({ history: o.history, logger: o.logger, now: this.now });
  }

  /** The actions a user may take now; `may` says which permissions they hold for this canary. */
  async offered(
    ref: CanaryRef,
    canary: Canary,
    user: string,
    may: { approve: boolean; operate: boolean },
  ): Promise<OfferedAction[]> {
    if (!may.approve && !may.operate) return [];
    const gates = await this.o.gates.listRun(ref, runKeyOf(canary));
    return availableActions({ ref, canary, controller: this.o.controller(ref.cluster), gates, user, may });
  }

  async perform(id: ActionId, req: GuardedRequest, body: ActionBody): Promise<ActionOutcome> {
    try {
      return await this.carryOut(id, req, body);
    } catch (error) {
      await this.history.refused({ ref: req.ref, user: req.user, action: id, comment: body.comment, canary: req.canary, error });
      throw error;
    }
  }

  private async carryOut(id: ActionId, req: GuardedRequest, body: ActionBody): Promise<ActionOutcome> {
    const { ref, canary, user } = req;
    const stale = staleObservation(body.observed, canary);
    if (stale) throw new ConflictError(`${id} refused: ${stale}`);
    const may = { approve: false, operate: false, [ACTION_PERMISSION[id]]: true };
    const offered = await this.offered(ref, canary, user, may);
    const action = findOffered(offered, id, body.gate);
    const signal = AbortSignal.timeout(this.timeoutMs);
    const before = stateOf(canary);
    const base = { action: id, before };

    if (!action) {
      const repeat = await this.repeated(id, req);
      if (repeat) return { ...base, changed: false, message: repeat, after: before };
      throw new ConflictError(this.notOffered(id, req, body));
    }

    const time = this.now().toISOString();
    const intent: ActionIntent = { actor: user, at: time, runKey: runKeyOf(canary), ...(body.comment ? { comment: body.comment } : {}) };
    let outcome: Omit<ActionOutcome, 'action' | 'before' | 'after'> & { after?: Canary };
    switch (id) {
      case 'approve':
      case 'reject':
        outcome = await this.vote(id, action, req, body, time, intent, signal);
        break;
      case 'promote':
        outcome = await this.setIntent(req, PROMOTE_NOW_ANNOTATION, intent, body.observed, signal);
        outcome.message = outcome.changed ? `promotion of ${canaryKey(ref)} requested` : outcome.message;
        break;
      case 'abort':
        outcome = await this.rollback(req, intent, body.observed, signal);
        break;
      case 'pause':
      case 'resume':
        outcome = await this.suspend(req, id === 'pause', body.observed, signal);
        break;
      case 'retry':
        outcome = await this.retry(req, signal);
        break;
      default:
        throw new InputError(`unknown action ${id satisfies never}`);
    }
    const after = stateOf(outcome.after ?? canary);
    if (outcome.changed) await this.record(id, req, body, outcome.message, { time, before, after }, outcome.after ?? canary, signal);
    return { action: id, changed: outcome.changed, message: outcome.message, gate: outcome.gate, before, after };
  }

  private async vote(
    id: 'approve' | 'reject',
    action: OfferedAction,
    req: GuardedRequest,
    body: ActionBody,
    time: string,
    intent: ActionIntent,
    signal: AbortSignal,
  ) {
    const type = action.gateType!;
    let required: number;
    try {
      required = requiredApprovals({
        canaryAnnotations: req.canary.metadata.annotations,
        entityAnnotations: req.entity?.metadata.annotations,
        defaultRequired: this.o.defaultRequiredApprovals,
      });
    } catch (e) {
      throw new ConflictError(`${id} refused: ${(e as Error).message}`);
    }
    const { gate, changed } = await this.o.gates.vote(
      gateKeyOf(req.ref, req.canary, type),
      { actor: req.user, decision: id, time, ...(body.comment ? { comment: body.comment } : {}) },
      required,
    );
    const gateView = { type, state: gate.state, approvals: approvalsOf(gate), required: gate.requiredApprovals };
    let message =
      id === 'approve'
        ? `${type} approved by ${req.user} (${gateView.approvals} of ${gateView.required})${gate.state === 'open' ? ': gate open' : ''}`
        : `${type} rejected by ${req.user}`;
    let after: Canary | undefined;
    // Rejecting mid-run gates means "this revision must not go on": roll it back rather than leave it parked.
    if (id === 'reject' && changed && type !== 'confirm-rollout') {
      const rolled = await this.rollback(req, intent, undefined, signal);
      message = `${message}; ${rolled.message}`;
      after = rolled.after;
    }
    return { changed, message, gate: gateView, after };
  }

  /** Our reconciler gets an abort intent; every controller gets the rollback gate opened (Flagger reads it). */
  private async rollback(req: GuardedRequest, intent: ActionIntent, observed: ObservedState | undefined, signal: AbortSignal) {
    const { gate, changed: gateChanged } = await this.o.gates.vote(
      gateKeyOf(req.ref, req.canary, 'rollback'),
      { actor: req.user, decision: 'approve', time: intent.at, ...(intent.comment ? { comment: intent.comment } : {}) },
      1,
    );
    let after: Canary | undefined;
    let changed = gateChanged;
    if (this.o.controller(req.ref.cluster) === 'delivery') {
      const r = await this.setIntent(req, ABORT_ANNOTATION, intent, observed, signal);
      after = r.after;
      changed = changed || r.changed;
    }
    return {
      changed,
      message: changed ? `rollback of ${canaryKey(req.ref)} requested by ${req.user}` : 'rollback already requested',
      gate: { type: 'rollback' as GateType, state: gate.state, approvals: approvalsOf(gate), required: 1 },
      after,
    };
  }

  private writerOf(cluster: string): ObjectWriter {
    const writer = this.o.writer(cluster);
    if (!writer) throw new ConflictError(`cluster ${cluster} has no writable connection configured`);
    return writer;
  }

  /**
   * Read-modify-write of the live Canary: the live object must still be in the phase the user saw (the cached copy
   * can lag), and an unchanged result writes nothing.
   */
  private async updateCanary(
    req: GuardedRequest,
    observed: ObservedState | undefined,
    mutate: (live: Canary) => boolean,
    signal: AbortSignal,
  ): Promise<{ changed: boolean; after?: Canary }> {
    let changed = false;
    const after = await this.writerOf(req.ref.cluster).update<Canary & KubeObject>(
      KINDS.canary,
      req.ref.namespace,
      req.ref.name,
      live => {
        if (!live) throw new ConflictError(`canary ${canaryKey(req.ref)} was deleted`);
        if (observed && (live.status?.phase ?? '') !== observed.phase) {
          throw new ConflictError(`the canary is now ${live.status?.phase || 'not initialised'}, you saw ${observed.phase}; reload and try again`);
        }
        changed = mutate(live);
        return changed ? live : undefined;
      },
      { signal },
    );
    return { changed, after };
  }

  private async setIntent(
    req: GuardedRequest,
    annotation: string,
    intent: ActionIntent,
    observed: ObservedState | undefined,
    signal: AbortSignal,
  ) {
    const r = await this.updateCanary(
      req,
      observed,
      live => {
        const existing = live.metadata.annotations?.[annotation];
        if (existing && (JSON.parse(existing) as Partial<ActionIntent>).runKey === intent.runKey) return false;
        live.metadata.annotations = { ...live.metadata.annotations, [annotation]: encodeIntent(intent) };
        return true;
      },
      signal,
    );
    return { ...r, message: r.changed ? `${annotation} set` : 'already requested' };
  }

  private async suspend(req: GuardedRequest, suspend: boolean, observed: ObservedState, signal: AbortSignal) {
    const r = await this.updateCanary(
      req,
      observed,
      live => {
        if (Boolean(live.spec?.suspend) === suspend) return false;
        live.spec = { ...live.spec, suspend };
        return true;
      },
      signal,
    );
    const verb = suspend ? 'paused' : 'resumed';
    return { ...r, message: r.changed ? `${canaryKey(req.ref)} ${verb} by ${req.user}` : `already ${verb}` };
  }

  /**
   * A Failed canary starts again only when its target's pod template changes. Stamping the failed revision's hash
   * on the template does that (as `kubectl rollout restart` does) for Flagger and our reconciler alike, and stamping
   * the same value twice is a no-op, so a double click starts one run.
   */
  private async retry(req: GuardedRequest, signal: AbortSignal) {
    const target = req.canary.spec?.targetRef;
    const kind = target?.kind === 'DaemonSet' ? KINDS.daemonSet : KINDS.deployment;
    const value = req.canary.status?.lastAppliedSpec ?? '';
    let changed = false;
    await this.writerOf(req.ref.cluster).update<KubeObject & { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } }>(
      kind,
      req.ref.namespace,
      target?.name ?? '',
      live => {
        if (!live) throw new ConflictError(`target ${target?.kind}/${target?.name} of ${canaryKey(req.ref)} not found`);
        const meta = (live.spec!.template!.metadata ??= {});
        if (meta.annotations?.[RETRY_ANNOTATION] === value) return undefined;
        meta.annotations = { ...meta.annotations, [RETRY_ANNOTATION]: value };
        changed = true;
        return live;
      },
      { signal },
    );
    return { changed, message: changed ? `new run of ${canaryKey(req.ref)} requested by ${req.user}` : 'retry already requested' };
  }

  /** When the action is no longer offered because this user already did it, the repeat is a no-op. */
  private async repeated(id: ActionId, req: GuardedRequest): Promise<string | undefined> {
    const { canary, user, ref } = req;
    if (id === 'approve' || id === 'reject') {
      const gates = await this.o.gates.listRun(ref, runKeyOf(canary));
      const mine = gates.find(g => g.votes.some(v => v.actor === user && v.decision === id));
      return mine ? `already ${id === 'approve' ? 'approved' : 'rejected'} by you` : undefined;
    }
    if (id === 'pause' && canary.spec?.suspend) return 'already paused';
    if (id === 'resume' && !canary.spec?.suspend) return 'already resumed';
    return undefined;
  }

  private notOffered(id: ActionId, req: GuardedRequest, body: ActionBody): string {
    const phase = req.canary.status?.phase || 'not initialised';
    const cluster = req.ref.cluster;
    if (id === 'promote' && this.o.controller(cluster) === 'flagger') {
      return `promote now needs the Delivery reconciler; cluster ${cluster} is driven by upstream Flagger`;
    }
    if (id === 'abort' && this.o.controller(cluster) === 'flagger') {
      return `abort on upstream Flagger needs a rollback webhook pointing at this backend's gate URL (see docs/actions.md)`;
    }
    if ((id === 'approve' || id === 'reject') && body.gate) {
      return `${id} refused: gate ${body.gate} of ${canaryKey(req.ref)} is not waiting for a decision in phase ${phase}`;
    }
    return `${id} is not possible for ${canaryKey(req.ref)} in phase ${phase}`;
  }

  private async record(
    id: ActionId,
    req: GuardedRequest,
    body: ActionBody,
    message: string,
    change: { time: string; before: CanaryState; after: CanaryState },
    involved: Canary,
    signal: AbortSignal,
  ) {
    const { ref, user } = req;
    const warning = id === 'reject' || id === 'abort';
    const writer = this.o.writer(ref.cluster);
    const text = `${message}${body.comment ? ` — "${body.comment}"` : ''}`;
    const tasks: Array<[string, Promise<void>]> = [
      ['history row', this.history.accepted({ ref, user, action: id, comment: body.comment, ...change })],
    ];
    if (writer) {
      tasks.push([
        'Kubernetes Event',
        writer.recordEvent(
          involved as unknown as KubeObject,
          { type: warning ? 'Warning' : 'Normal', reason: `Delivery${id[0].toUpperCase()}${id.slice(1)}`, message: `${text} (by ${user})`, component: EVENT_COMPONENT },
          { signal },
        ),
      ]);
    }
    // The action itself is done; a failed record is logged, never reported as a failed action.
    const results = await Promise.allSettled(tasks.map(([, p]) => p));
    results.forEach((r, i) => {
      if (r.status === 'rejected') this.o.logger.warn(`${id} on ${canaryKey(ref)}: ${tasks[i][0]} not recorded: ${(r.reason as Error).message}`);
    });
    this.o.changed?.(ref);
  }
}
