import type { Canary } from '@delivery/plugin-delivery-common';
import {
  KINDS,
  type KubeObject,
  type ObjectReader,
  type ObjectWriter,
} from '../kube/types';
import {
  INITIAL_ROUTES,
  capabilityProblems,
  equivalent,
  namespaceOf,
  newObject,
  notFoundError,
  serviceNames,
  withControllerRef,
  type Router,
  type RouterCallOptions,
  type RouterCapabilities,
  type Routes,
  type SpecProblem,
} from './router';

/**
 * Linkerd through the SMI extension: one `TrafficSplit` (split.smi-spec.io/v1alpha1) named `<svc>` whose backends
 * are `<svc>-canary` and `<svc>-primary`, in that order. Weights are Kubernetes quantities, written as strings.
 */

export interface TrafficSplitBackend {
  service: string;
  weight: string | number;
}

export interface TrafficSplit extends KubeObject {
  spec: { service: string; backends: TrafficSplitBackend[] };
}

/** The desired `spec` for the given weights. */
export function trafficSplitSpec(
  canary: Canary,
  routes: Routes,
): TrafficSplit['spec'] {
  const names = serviceNames(canary);
  return {
    service: canary.spec.service?.hosts?.[0] || names.apex,
    backends: [
      { service: names.canary, weight: String(routes.canary) },
      { service: names.primary, weight: String(routes.primary) },
    ],
  };
}

/** Parses the integer quantities the SMI CRD allows ("90", 90, "900m"); anything else is an error. */
export function parseWeight(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value))
    return Math.trunc(value);
  if (typeof value === 'string') {
    const m = /^\s*([+-]?\d+(?:\.\d+)?)(m?)\s*$/.exec(value);
    if (m) return Math.trunc(Number(m[1]) / (m[2] ? 1000 : 1));
  }
  throw new Error(`weight ${JSON.stringify(value)} is not a quantity`);
}

/** Reads weights back; Flagger treats a split with both weights at 0 as broken. */
export function trafficSplitRoutes(ts: TrafficSplit, canary: Canary): Routes {
  const names = serviceNames(canary);
  let primary = 0;
  let weight = 0;
  for (const b of ts.spec?.backends ?? []) {
    if (b.service === names.primary) primary = parseWeight(b.weight);
    if (b.service === names.canary) weight = parseWeight(b.weight);
  }
  if (primary === 0 && weight === 0) {
    throw new Error(
      `TrafficSplit ${names.apex}.${ts.metadata.namespace} does not contain routes for ${names.primary} and ${names.canary}`,
    );
  }
  return { primary, canary: weight, mirrored: false };
}

/** Current weights if the live split has both backends, else the initial 100/0. */
function preservedRoutes(live: TrafficSplit, canary: Canary): Routes {
  try {
    return trafficSplitRoutes(live, canary);
  } catch {
    return INITIAL_ROUTES;
  }
}

export interface LinkerdRouterOptions {
  reader: ObjectReader;
  writer: ObjectWriter;
  /** `linkerd` or `smi:v1alpha1[:<mesh>]`, echoed in messages. */
  provider?: string;
}

export class LinkerdRouter implements Router {
  readonly provider: string;
  readonly capabilities: RouterCapabilities = {
    mirror: false,
    mirrorStrategies: [],
    abMatch: false,
  };
  private readonly reader: ObjectReader;
  private readonly writer: ObjectWriter;

  constructor(options: LinkerdRouterOptions) {
    this.reader = options.reader;
    this.writer = options.writer;
    this.provider = options.provider ?? 'linkerd';
  }

  objectRef(canary: Canary) {
    return {
      kind: KINDS.trafficSplit,
      namespace: namespaceOf(canary),
      name: serviceNames(canary).apex,
    };
  }

  validate(canary: Canary): SpecProblem[] {
    return capabilityProblems(canary, this.provider, this.capabilities);
  }

  async reconcile(canary: Canary, opts?: RouterCallOptions): Promise<void> {
    const namespace = namespaceOf(canary);
    const name = serviceNames(canary).apex;
    await this.writer.update<TrafficSplit>(
      KINDS.trafficSplit,
      namespace,
      name,
      live => {
        if (!live) {
          const metadata = withControllerRef({ name, namespace }, canary);
          return newObject(KINDS.trafficSplit, metadata, {
            spec: trafficSplitSpec(canary, INITIAL_ROUTES),
          }) as TrafficSplit;
        }
        const spec = trafficSplitSpec(canary, preservedRoutes(live, canary));
        return equivalent(spec, live.spec) ? undefined : { ...live, spec };
      },
      opts,
    );
  }

  async setRoutes(
    canary: Canary,
    routes: Routes,
    opts?: RouterCallOptions,
  ): Promise<void> {
    const namespace = namespaceOf(canary);
    const name = serviceNames(canary).apex;
    await this.writer.update<TrafficSplit>(
      KINDS.trafficSplit,
      namespace,
      name,
      live => {
        if (!live) throw notFoundError('TrafficSplit', name, namespace);
        const backends = trafficSplitSpec(canary, routes).backends;
        return equivalent(backends, live.spec?.backends)
          ? undefined
          : { ...live, spec: { ...live.spec, backends } };
      },
      opts,
    );
  }

  async getRoutes(canary: Canary): Promise<Routes> {
    const namespace = namespaceOf(canary);
    const name = serviceNames(canary).apex;
    const live = this.reader.get<TrafficSplit>(
      KINDS.trafficSplit,
      namespace,
      name,
    );
    if (!live) throw notFoundError('TrafficSplit', name, namespace);
    return trafficSplitRoutes(live, canary);
  }

  async finalize(): Promise<void> {}
}
