import {
  AnalysisCheck,
  Canary,
  CanaryAnalysis,
  CanaryPhase,
  CanaryStatus,
  effectiveAnalysis,
} from '@delivery/plugin-delivery-common';
import type { SelectorLabel } from '../bootstrap';
import { conditionsForPhase } from '../conditions';
import type { TrackedConfig } from '../configTracking';
import type { CanaryIds } from '../events';
import type {
  AlertSeverity,
  Observation,
  PhaseTransition,
  ReconcilerSettings,
  TickAction,
  TickEffects,
  TickOutcome,
  TickPlan,
  Workload,
} from '../types';
import { alertFields } from './alerts';
import { analysisIntervalSeconds } from './settings';

/** What every step of a tick shares: the observation, the working status and the actions collected so far. */

export interface TickContextOptions {
  observation: Observation;
  effects: TickEffects;
  settings: ReconcilerSettings;
  now: Date;
}

/** The status fields Flagger's SyncStatus writes; the rest is derived. */
export interface SyncFields {
  phase: CanaryPhase;
  canaryWeight?: number;
  failedChecks?: number;
  iterations?: number;
}

export class TickContext {
  readonly obs: Observation;
  readonly fx: TickEffects;
  readonly settings: ReconcilerSettings;
  readonly now: Date;
  readonly nowIso: string;
  readonly canary: Canary;
  readonly analysis: CanaryAnalysis;
  readonly ids: CanaryIds;
  /** `spec.targetRef.kind` as Flagger prints it in conditions and alerts. */
  readonly kind: string;
  readonly skipAnalysis: boolean;
  readonly intervalMs: number;
  /** Status as it will be after the actions so far; every status write starts from it. */
  status: CanaryStatus;
  /** Filled by the bootstrap steps once the target is known. */
  target?: Workload;
  selector?: SelectorLabel;
  specHash?: string;
  tracked: TrackedConfig[] = [];
  trackedConfigs: Record<string, string> = {};
  readonly actions: TickAction[] = [];
  readonly checks: AnalysisCheck[] = [];
  readonly transitions: PhaseTransition[] = [];
  /** Portal requests carried out by this tick, for the history. */
  readonly actors: NonNullable<TickPlan['actors']> = [];
  /** Canary annotations to remove once the tick's other writes are done. */
  private readonly clearedAnnotations = new Set<string>();

  constructor(options: TickContextOptions) {
    this.obs = options.observation;
    this.fx = options.effects;
    this.settings = options.settings;
    this.now = options.now;
    this.nowIso = options.now.toISOString();
    this.canary = options.observation.canary;
    this.analysis = effectiveAnalysis(this.canary.spec) ?? {};
    this.ids = {
      name: this.canary.metadata.name,
      namespace: this.canary.metadata.namespace ?? 'default',
      target: this.canary.spec.targetRef.name,
    };
    this.kind = this.canary.spec.targetRef.kind || 'Deployment';
    this.skipAnalysis = Boolean(this.canary.spec.skipAnalysis) || effectiveAnalysis(this.canary.spec) === undefined;
    this.intervalMs = analysisIntervalSeconds(this.canary.spec, this.settings.minIntervalSeconds) * 1000;
    this.status = structuredClone(this.canary.status ?? {});
  }

  get phase(): CanaryPhase {
    return this.status.phase ?? '';
  }

  normal(message: string): void {
    this.actions.push({ type: 'recordEvent', eventType: 'Normal', message });
  }

  warning(message: string): void {
    this.actions.push({ type: 'recordEvent', eventType: 'Warning', message });
  }

  alert(severity: AlertSeverity, message: string, withMetadata = false): void {
    const fields = withMetadata ? alertFields(this.canary) : [];
    if (this.settings.clusterName) fields.unshift({ name: 'Cluster', value: this.settings.clusterName });
    this.actions.push({ type: 'alert', severity, message, fields });
  }

  act(action: TickAction): void {
    this.actions.push(action);
  }

  /** Writes routes, except with the kubernetes provider whose "router" is the apex Service alone. */
  setRoutes(primary: number, canary: number, mirrored: boolean): void {
    if (this.obs.provider === 'kubernetes') return;
    this.actions.push({ type: 'setRoutes', primary, canary, mirrored });
  }

  /** Writes only the conditions (validation results); phase, counters and lastTransitionTime stay. */
  writeConditions(conditions: CanaryStatus['conditions']): void {
    this.status = { ...this.status, conditions };
    this.actions.push({ type: 'patchStatus', status: structuredClone(this.status) });
  }

  /** Removes these annotations after every other write of the tick (so a failed write leaves the request pending). */
  clearAnnotations(keys: Array<string | undefined>): void {
    for (const key of keys) if (key) this.clearedAnnotations.add(key);
  }

  check(check: Omit<AnalysisCheck, 'time'>): void {
    this.checks.push({ time: this.nowIso, ...check });
  }

  /** Flagger's SyncStatus: phase and counters as given, spec hash and tracked configs re-synced. */
  syncStatus(fields: SyncFields, reason?: string): void {
    const next: CanaryStatus = {
      ...this.status,
      phase: fields.phase,
      canaryWeight: fields.canaryWeight ?? 0,
      failedChecks: fields.failedChecks ?? 0,
      iterations: fields.iterations ?? 0,
      lastAppliedSpec: this.specHash ?? this.status.lastAppliedSpec,
      trackedConfigs: this.trackedConfigs,
    };
    if (fields.phase === 'Initialized') next.lastPromotedSpec = next.lastAppliedSpec;
    this.write(next, reason);
  }

  /** Flagger's SetStatusPhase: counters reset outside Progressing/Waiting/Promoting; promoted spec recorded. */
  setPhase(phase: CanaryPhase, reason?: string, analysis: CanaryAnalysis = this.analysis): void {
    const next: CanaryStatus = { ...this.status, phase };
    if (phase !== 'Progressing' && phase !== 'Waiting' && phase !== 'Promoting') {
      next.canaryWeight = 0;
      next.iterations = 0;
      if (phase === 'WaitingPromotion') next.iterations = this.waitingPromotionIterations(analysis);
    }
    if (phase === 'Initialized' || phase === 'Succeeded') next.lastPromotedSpec = this.status.lastAppliedSpec;
    this.write(next, reason);
  }

  /**
   * Iterations while waiting for promotion approval: N−1, so an approved A/B or blue/green run repeats its last
   * iteration. Flagger writes −1 for the canary strategy (N = 0); we write 0 (see docs/reconciler-semantics.md).
   */
  waitingPromotionIterations(analysis: CanaryAnalysis = this.analysis): number {
    return Math.max(0, (analysis.iterations ?? 0) - 1);
  }

  setWeight(canaryWeight: number): void {
    this.write({ ...this.status, canaryWeight });
  }

  setIterations(iterations: number): void {
    this.write({ ...this.status, iterations });
  }

  setFailedChecks(failedChecks: number): void {
    this.write({ ...this.status, failedChecks });
  }

  private write(next: CanaryStatus, reason?: string): void {
    const from = this.phase;
    const to = next.phase ?? '';
    next.lastTransitionTime = this.nowIso;
    if (from !== to || !this.status.conditions?.some(c => c.type === 'Promoted')) {
      const conditions = conditionsForPhase(this.status.conditions, to, this.kind, this.nowIso);
      if (conditions) next.conditions = conditions;
    }
    if (from !== to) {
      this.transitions.push({
        from,
        to,
        reason: reason ?? this.lastEventMessage() ?? '',
        failedChecks: this.status.failedChecks ?? 0,
      });
    }
    this.status = next;
    this.actions.push({ type: 'patchStatus', status: structuredClone(next) });
  }

  private lastEventMessage(): string | undefined {
    for (let i = this.actions.length - 1; i >= 0; i--) {
      const a = this.actions[i];
      if (a.type === 'recordEvent') return a.message;
    }
    return undefined;
  }

  plan(outcome: TickOutcome, notBefore?: string): TickPlan {
    const clear = [...this.clearedAnnotations];
    return {
      actions: clear.length ? [...this.actions, { type: 'clearAnnotations', keys: clear }] : this.actions,
      checks: this.checks,
      transitions: this.transitions,
      phase: this.phase,
      outcome,
      intervalMs: this.intervalMs,
      ...(notBefore ? { notBefore } : {}),
      ...(this.actors.length ? { actors: this.actors } : {}),
    };
  }
}
