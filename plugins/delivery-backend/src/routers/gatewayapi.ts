import {
  effectiveAnalysis,
  type Canary,
} from '@delivery/plugin-delivery-common';
import {
  KINDS,
  type KubeObject,
  type ObjectReader,
  type ObjectWriter,
} from '../kube/types';
import {
  UnsupportedMatchError,
  httpRouteRoutes,
  httpRouteSpec,
  mapMatches,
  normalizeHttpRouteSpec,
  normalizeParentRef,
  type GatewayApiVersion,
  type HttpRouteSpec,
} from './httpRoute';
import {
  INITIAL_ROUTES,
  TOOLKIT_ANNOTATIONS,
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
 * Gateway API (`gatewayapi:v1`, `gatewayapi:v1beta1`): one `HTTPRoute` named `<svc>` attached to
 * `spec.service.gatewayRefs` (a Gateway, or the Service itself for GAMMA meshes such as Linkerd). Weights live in the
 * first rule's two backendRefs; A/B adds a primary-only rule for unmatched traffic; Blue/Green mirroring adds a
 * RequestMirror filter to the canary.
 */

export const GATEWAY_REFS_REQUIRED =
  'GatewayRefs must be specified when using Gateway API as a provider.';

export interface HttpRoute extends KubeObject {
  spec: HttpRouteSpec;
  status?: {
    parents?: Array<{
      parentRef: Record<string, unknown>;
      controllerName?: string;
      conditions?: Array<{
        type: string;
        status: string;
        observedGeneration?: number;
        reason?: string;
      }>;
    }>;
  };
}

/**
 * Flagger (v1 only) refuses to read weights while a parent has not accepted the current generation of the route:
 * the weights in the spec would not be the ones in effect.
 */
export function parentNotReadyError(route: HttpRoute): Error | undefined {
  const generation = route.metadata.generation ?? 0;
  for (const parentRef of route.spec?.parentRefs ?? []) {
    const wanted = normalizeParentRef(parentRef);
    for (const parent of route.status?.parents ?? []) {
      if (!equivalent(normalizeParentRef(parent.parentRef ?? {}), wanted))
        continue;
      for (const c of parent.conditions ?? []) {
        const observed = c.observedGeneration ?? 0;
        if (
          c.type === 'Accepted' &&
          (c.status !== 'True' || observed < generation)
        ) {
          return new Error(
            `HTTPRoute ${route.metadata.name}.${
              route.metadata.namespace
            } parent ${String(parentRef.name)} is not ready (status: ${
              c.status
            }, observed generation: ${observed}, current generation: ${generation})`,
          );
        }
      }
    }
  }
  return undefined;
}

/** Labels from `service.apex`; annotations from `service.apex` plus the toolkit ones, keeping others' keys. */
function routeMetadata(
  canary: Canary,
  liveAnnotations: Record<string, string> | undefined,
) {
  const apex = canary.spec.service.apex ?? {};
  return {
    labels: { ...(apex.labels ?? {}) },
    annotations: {
      ...(liveAnnotations ?? {}),
      ...(apex.annotations ?? {}),
      ...TOOLKIT_ANNOTATIONS,
    },
  };
}

function lastAppliedSpec(route: HttpRoute): HttpRouteSpec | undefined {
  const raw = route.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
  try {
    return raw ? (JSON.parse(raw) as { spec?: HttpRouteSpec }).spec : undefined;
  } catch {
    return undefined;
  }
}

export interface GatewayApiRouterOptions {
  reader: ObjectReader;
  writer: ObjectWriter;
  version: GatewayApiVersion;
}

export class GatewayApiRouter implements Router {
  readonly provider: string;
  readonly capabilities: RouterCapabilities = {
    mirror: true,
    mirrorStrategies: ['blue-green'],
    abMatch: true,
  };
  private readonly reader: ObjectReader;
  private readonly writer: ObjectWriter;
  private readonly version: GatewayApiVersion;

  constructor(options: GatewayApiRouterOptions) {
    this.reader = options.reader;
    this.writer = options.writer;
    this.version = options.version;
    this.provider = `gatewayapi:${options.version}`;
  }

  private get kind() {
    return this.version === 'v1' ? KINDS.httpRouteV1 : KINDS.httpRouteV1beta1;
  }

  objectRef(canary: Canary) {
    return {
      kind: this.kind,
      namespace: namespaceOf(canary),
      name: serviceNames(canary).apex,
    };
  }

  validate(canary: Canary): SpecProblem[] {
    const problems = capabilityProblems(
      canary,
      this.provider,
      this.capabilities,
    );
    const svc = canary.spec.service;
    if (!svc.gatewayRefs?.length) {
      problems.push({
        field: 'spec.service.gatewayRefs',
        message: GATEWAY_REFS_REQUIRED,
        fix: `add spec.service.gatewayRefs: [{name: <gateway>, namespace: <gateway namespace>}] for a Gateway, or [{group: core, kind: Service, name: ${
          serviceNames(canary).apex
        }, port: ${svc.port}}] for a GAMMA mesh such as Linkerd`,
      });
    }
    const analysisField = canary.spec.analysis
      ? 'spec.analysis'
      : 'spec.canaryAnalysis';
    for (const [field, matches] of [
      ['spec.service.match', svc.match],
      [`${analysisField}.match`, effectiveAnalysis(canary.spec)?.match],
    ] as const) {
      try {
        mapMatches(matches);
      } catch (e) {
        if (!(e instanceof UnsupportedMatchError)) throw e;
        problems.push({
          field,
          message: e.message,
          fix: 'use exact, prefix or regex for uri and exact or regex for headers and query params',
        });
      }
    }
    if (effectiveAnalysis(canary.spec)?.sessionAffinity) {
      problems.push({
        field: `${analysisField}.sessionAffinity`,
        message:
          'session affinity is not implemented by the Delivery Gateway API router',
        fix: `remove ${analysisField}.sessionAffinity`,
      });
    }
    return problems;
  }

  async reconcile(canary: Canary, opts?: RouterCallOptions): Promise<void> {
    this.requireGatewayRefs(canary);
    const namespace = namespaceOf(canary);
    const name = serviceNames(canary).apex;
    await this.writer.update<HttpRoute>(
      this.kind,
      namespace,
      name,
      live => {
        if (!live) {
          const metadata = withControllerRef(
            { name, namespace, ...routeMetadata(canary, undefined) },
            canary,
          );
          return newObject(this.kind, metadata, {
            spec: httpRouteSpec(canary, INITIAL_ROUTES, this.version),
          }) as HttpRoute;
        }
        return this.withSpec(
          live,
          canary,
          httpRouteSpec(canary, this.preserved(live, canary), this.version),
        );
      },
      opts,
    );
  }

  async setRoutes(
    canary: Canary,
    routes: Routes,
    opts?: RouterCallOptions,
  ): Promise<void> {
    this.requireGatewayRefs(canary);
    const namespace = namespaceOf(canary);
    const name = serviceNames(canary).apex;
    await this.writer.update<HttpRoute>(
      this.kind,
      namespace,
      name,
      live => {
        if (!live) throw notFoundError('HTTPRoute', name, namespace, 'get');
        return this.withSpec(
          live,
          canary,
          httpRouteSpec(canary, routes, this.version),
        );
      },
      opts,
    );
  }

  async getRoutes(canary: Canary): Promise<Routes> {
    const namespace = namespaceOf(canary);
    const name = serviceNames(canary).apex;
    const live = this.reader.get<HttpRoute>(this.kind, namespace, name);
    if (!live) throw notFoundError('HTTPRoute', name, namespace, 'get');
    if (this.version === 'v1') {
      const notReady = parentNotReadyError(live);
      if (notReady) throw notReady;
    }
    return httpRouteRoutes(live.spec, canary);
  }

  /**
   * revertOnDeletion: an HTTPRoute the Canary took over (it existed without our ownerReference) gets back the spec
   * kubectl last applied; one we created is left to the garbage collector. Flagger reverts no Gateway API route and
   * leaves a taken-over one pointing at Services that are about to be collected (docs/reconciler-semantics.md).
   */
  async finalize(canary: Canary, opts?: RouterCallOptions): Promise<void> {
    const namespace = namespaceOf(canary);
    const name = serviceNames(canary).apex;
    const uid = canary.metadata.uid;
    await this.writer.update<HttpRoute>(
      this.kind,
      namespace,
      name,
      live => {
        if (!live || live.metadata.ownerReferences?.some(r => r.uid === uid)) return undefined;
        const applied = lastAppliedSpec(live);
        // Watch caches drop the annotation: "unknown" must reach the live object, where a route without it is
        // written back unchanged (a no-op for the API server).
        if (!applied) return live;
        return equivalent(applied, live.spec) ? undefined : { ...live, spec: applied };
      },
      opts,
    );
  }

  private requireGatewayRefs(canary: Canary) {
    if (!canary.spec.service.gatewayRefs?.length)
      throw new Error(GATEWAY_REFS_REQUIRED);
  }

  /** Live weights and mirror state, so re-applying the spec never moves traffic. */
  private preserved(live: HttpRoute, canary: Canary): Routes {
    const routes = httpRouteRoutes(live.spec, canary);
    return routes.primary === 0 && routes.canary === 0
      ? INITIAL_ROUTES
      : routes;
  }

  /** The live route with the desired spec and metadata, or undefined when nothing would change. */
  private withSpec(
    live: HttpRoute,
    canary: Canary,
    spec: HttpRouteSpec,
  ): HttpRoute | undefined {
    const meta = routeMetadata(canary, live.metadata.annotations);
    const same =
      equivalent(
        normalizeHttpRouteSpec(spec),
        normalizeHttpRouteSpec(live.spec),
      ) &&
      equivalent(meta.labels, live.metadata.labels) &&
      equivalent(meta.annotations, live.metadata.annotations);
    if (same) return undefined;
    return { ...live, metadata: { ...live.metadata, ...meta }, spec };
  }
}
