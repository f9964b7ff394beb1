import type { Canary, CanaryAnalysis, CanaryPhase, CanarySpec, CanaryWebhook } from '@delivery/plugin-delivery-common';
import { decide } from '..';
import { runPostRolloutHooks } from '../hooks';
import type {
  ConfigMapObject,
  HookCallResult,
  ScalerObject,
  MetricCheckRequest,
  MetricOutcome,
  Observation,
  ReconcilerSettings,
  RouterCapabilities,
  Routes,
  SecretObject,
  ServiceObject,
  TickAction,
  TickPlan,
  Workload,
} from '../../types';
import { DEFAULT_SETTINGS } from '../../types';
import { PAUSED_REPLICAS } from '../../autoscaler';
import { portalIntents } from '../../observe';
import { FINALIZER, revertedService } from '../termination';

/**
 * A tiny simulated cluster for tick-by-tick tests: it turns observations into `decide` input, applies the
 * returned actions the way the shell would, and lets the Deployment "controller" roll workloads out instantly
 * unless a test stalls them. Time advances one analysis interval per tick.
 */

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export function makeCanary(analysis: CanaryAnalysis | undefined, spec: Partial<CanarySpec> = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', uid: 'uid-1', generation: 1 },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis,
      ...spec,
    },
  };
}

export function makeDeployment(name: string, image: string, replicas = 2): Workload {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'test', generation: 1, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'podinfod', image }] },
      },
    },
    status: { observedGeneration: 1, replicas, updatedReplicas: replicas, availableReplicas: replicas },
  };
}

export interface WorldOptions {
  provider?: string;
  caps?: Partial<RouterCapabilities>;
  settings?: Partial<ReconcilerSettings>;
}

export class World {
  canary: Canary;
  target?: Workload;
  primary?: Workload;
  services: Observation['services'] = {};
  configMaps: Record<string, ConfigMapObject> = {};
  secrets: Record<string, SecretObject> = {};
  /** HorizontalPodAutoscalers or ScaledObjects by name (the target's and `-primary`). */
  autoscalers: Record<string, ScalerObject> = {};
  /** Set once the last finalizer of a deleted Canary is gone: the API server has removed the object. */
  removed = false;
  routerFinalized = 0;
  routes: Routes = { primary: 100, canary: 0, mirrored: false };
  routesError?: string;
  now = T0;
  provider: string;
  caps: RouterCapabilities;
  settings: ReconcilerSettings;
  /** Workloads whose rollout the fake Deployment controller holds back. */
  stalled = new Set<'target' | 'primary'>();
  /** Webhook answers by hook name; default 200. */
  hooks: Record<string, HookCallResult | ((phase: CanaryPhase) => HookCallResult)> = {};
  /** Metric answers by metric name; defaults pass the usual thresholds. */
  metrics: Record<string, MetricOutcome | (() => MetricOutcome)> = {};
  hookCalls: string[] = [];
  metricCalls: MetricCheckRequest[] = [];
  /** Every event as "Normal: text" / "Warning: text", in order. */
  events: string[] = [];
  alerts: string[] = [];
  plans: TickPlan[] = [];
  private ids = 0;

  constructor(canary: Canary, target: Workload | undefined, options: WorldOptions = {}) {
    this.canary = canary;
    this.target = target;
    this.provider = options.provider ?? 'linkerd';
    this.caps = { mirror: false, abMatch: false, ...options.caps };
    this.settings = { ...DEFAULT_SETTINGS, minIntervalSeconds: 1, newId: () => `id-${++this.ids}`, ...options.settings };
  }

  get status() {
    return this.canary.status ?? {};
  }

  observation(resumed = false): Observation {
    const hpa = this.canary.spec.autoscalerRef?.name;
    return structuredClone({
      ...(hpa ? { autoscaler: this.autoscalers[hpa], primaryAutoscaler: this.autoscalers[`${hpa}-primary`] } : {}),
      canary: this.canary,
      target: this.target,
      primary: this.primary,
      services: this.services,
      configMaps: this.configMaps,
      secrets: this.secrets,
      provider: this.provider,
      routerCapabilities: this.caps,
      resumed,
      intents: portalIntents(this.canary),
    });
  }

  async tick(opts: { resumed?: boolean } = {}): Promise<TickPlan> {
    const plan = await decide({
      observation: this.observation(opts.resumed),
      effects: {
        getRoutes: async () => {
          if (this.routesError) throw new Error(this.routesError);
          return { ...this.routes };
        },
        callHook: async (hook, phase) => this.callHook(hook, phase),
        runMetric: async req => {
          this.metricCalls.push(req);
          const answer = this.metrics[req.metric.name];
          if (typeof answer === 'function') return answer();
          return answer ?? { value: req.metric.name === 'request-duration' ? 120 : 99.9 };
        },
      },
      settings: this.settings,
      now: new Date(this.now),
    });
    await this.apply(plan.actions);
    this.plans.push(plan);
    this.settle();
    this.now += plan.intervalMs;
    return plan;
  }

  /** Runs ticks until `until` holds (or `max` ticks), returning the phases seen after each tick. */
  async run(until: (w: World) => boolean, max = 40): Promise<CanaryPhase[]> {
    const phases: CanaryPhase[] = [];
    for (let i = 0; i < max && !until(this); i++) {
      phases.push((await this.tick()).phase);
    }
    if (!until(this)) throw new Error(`condition not reached after ${max} ticks; events:\n${this.events.join('\n')}`);
    return phases;
  }

  callHook(hook: CanaryWebhook, phase: CanaryPhase): HookCallResult {
    this.hookCalls.push(`${hook.name}:${phase}`);
    const answer = this.hooks[hook.name];
    if (typeof answer === 'function') return answer(phase);
    return answer ?? { status: 200, body: 'OK' };
  }

  /** A new image on the target, as `kubectl set image` would do. */
  updateTarget(image: string): void {
    const t = this.target!;
    t.spec.template.spec!.containers![0].image = image;
    t.metadata.generation = (t.metadata.generation ?? 1) + 1;
  }

  /** Events recorded since the last call. */
  takeEvents(): string[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  private async apply(actions: TickAction[]): Promise<void> {
    for (const a of actions) {
      switch (a.type) {
        case 'recordEvent':
          this.events.push(`${a.eventType}: ${a.message}`);
          break;
        case 'alert':
          this.alerts.push(`${a.severity}: ${a.message}`);
          break;
        case 'applyService':
          this.storeService(a.service);
          break;
        case 'applyConfig':
          if (a.object.kind === 'Secret') this.secrets[a.object.metadata.name] = a.object;
          else this.configMaps[a.object.metadata.name] = a.object;
          break;
        case 'createPrimary':
          this.primary = { ...structuredClone(a.workload), status: {} };
          this.primary.metadata.generation = 1;
          break;
        case 'promotePrimary': {
          const generation = (this.primary?.metadata.generation ?? 1) + 1;
          this.primary = { ...structuredClone(a.workload), status: this.primary?.status };
          this.primary.metadata.generation = generation;
          break;
        }
        case 'scaleTarget':
          if (this.target && this.target.spec.replicas !== a.replicas) {
            this.target.spec.replicas = a.replicas;
            this.target.metadata.generation = (this.target.metadata.generation ?? 1) + 1;
          }
          break;
        case 'setRoutes':
          this.routes = { primary: a.primary, canary: a.canary, mirrored: a.mirrored };
          break;
        case 'patchStatus':
          this.canary.status = structuredClone(a.status);
          break;
        case 'runPostRolloutHooks': {
          const result = await runPostRolloutHooks(
            this.canary,
            a.phase,
            async (hook, phase) => this.callHook(hook, phase),
            new Date(this.now),
          );
          await this.apply(result.actions);
          break;
        }
        case 'reconcileRouter':
          break;
        case 'clearAnnotations':
          for (const key of a.keys) delete this.canary.metadata.annotations?.[key];
          break;
        case 'applyAutoscaler':
          this.autoscalers[a.autoscaler.metadata.name] = structuredClone(a.autoscaler);
          break;
        case 'setScalerPaused': {
          const so = this.autoscalers[this.canary.spec.autoscalerRef!.name];
          const annotations = { ...so.metadata.annotations };
          if (a.paused) annotations[PAUSED_REPLICAS] = '0';
          else delete annotations[PAUSED_REPLICAS];
          so.metadata.annotations = annotations;
          break;
        }
        case 'setFinalizer': {
          const rest = (this.canary.metadata.finalizers ?? []).filter(f => f !== FINALIZER);
          this.canary.metadata.finalizers = a.present ? [...rest, FINALIZER] : rest;
          if (this.canary.metadata.deletionTimestamp && !this.canary.metadata.finalizers.length) this.removed = true;
          break;
        }
        case 'revertService': {
          const reverted = revertedService(this.services.apex, this.canary, a.selector);
          if (reverted) this.services.apex = reverted;
          break;
        }
        case 'finalizeRouter':
          this.routerFinalized++;
          break;
        default:
          throw new Error(`unhandled action ${(a as TickAction).type}`);
      }
    }
  }

  private storeService(service: ServiceObject) {
    const name = service.metadata.name;
    let role: 'apex' | 'primary' | 'canary' = 'apex';
    if (name.endsWith('-primary')) role = 'primary';
    else if (name.endsWith('-canary')) role = 'canary';
    this.services[role] = service;
  }

  /** The fake Deployment controller: every workload not stalled is fully rolled out. */
  settle(): void {
    const roll = (w: Workload | undefined) => {
      if (!w) return;
      const n = w.spec.replicas ?? 1;
      w.status = { observedGeneration: w.metadata.generation, replicas: n, updatedReplicas: n, availableReplicas: n };
    };
    if (!this.stalled.has('target')) roll(this.target);
    if (!this.stalled.has('primary')) roll(this.primary);
  }
}

/** A world whose canary is already Initialized on image 6.0.0 (primary created and ready). */
export async function initializedWorld(
  analysis: CanaryAnalysis | undefined,
  spec: Partial<CanarySpec> = {},
  options: WorldOptions = {},
): Promise<World> {
  const world = new World(makeCanary(analysis, spec), makeDeployment('podinfo', 'podinfo:6.0.0'), options);
  await world.run(w => w.status.phase === 'Initialized', 5);
  world.takeEvents();
  world.hookCalls = [];
  world.alerts = [];
  return world;
}
