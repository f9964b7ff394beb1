import {
  effectiveAnalysis,
  type Canary,
  type ObjectMeta,
} from '@delivery/plugin-delivery-common';
import type { KubeObject, ResourceKind } from '../kube/types';

/**
 * The traffic-routing contract the reconciler programs against, modelled on Flagger's router: `reconcile` makes the
 * routing object exist and match the Canary spec without touching weights, `setRoutes` writes weights, `getRoutes`
 * reads them back (the router object, not `status.canaryWeight`, is the source of truth for the current weights).
 */

/** Weights in percent; `mirrored` is true while traffic is shadowed to the canary. */
export interface Routes {
  primary: number;
  canary: number;
  mirrored: boolean;
}

export type MirrorStrategy = 'canary' | 'blue-green';

export interface RouterCapabilities {
  /** The router can shadow traffic to the canary at all. */
  mirror: boolean;
  /** Strategies for which `analysis.mirror` works; Gateway API mirrors only during Blue/Green. */
  mirrorStrategies: MirrorStrategy[];
  /** The router can route A/B traffic by the header/cookie matches of `analysis.match`. */
  abMatch: boolean;
}

/** A Canary spec the router cannot serve, with the field at fault and what to change. */
export interface SpecProblem {
  field: string;
  message: string;
  fix: string;
}

export interface RouterCallOptions {
  signal?: AbortSignal;
}

export interface Router {
  /** The provider name as written in `spec.provider`. */
  readonly provider: string;
  readonly capabilities: RouterCapabilities;
  /** The routing object this router manages for the canary, if any (for views and cleanup). */
  objectRef(
    canary: Canary,
  ): { kind: ResourceKind; namespace: string; name: string } | undefined;
  /** Problems that would make a run misbehave; an empty list means the spec is servable. */
  validate(canary: Canary): SpecProblem[];
  /** Creates or updates the routing object, preserving the current weights and mirror state. Idempotent. */
  reconcile(canary: Canary, opts?: RouterCallOptions): Promise<void>;
  setRoutes(
    canary: Canary,
    routes: Routes,
    opts?: RouterCallOptions,
  ): Promise<void>;
  getRoutes(canary: Canary, opts?: RouterCallOptions): Promise<Routes>;
  /** Undoes what the router did to objects it does not own (revertOnDeletion). */
  finalize(canary: Canary, opts?: RouterCallOptions): Promise<void>;
}

export const TOOLKIT_ANNOTATIONS: Readonly<Record<string, string>> = {
  // Keeps Flux from reverting objects we manage when a Kustomization or HelmRelease also renders them.
  'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
  'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
};

export const INITIAL_ROUTES: Routes = Object.freeze({
  primary: 100,
  canary: 0,
  mirrored: false,
});

export interface ServiceNames {
  apex: string;
  primary: string;
  canary: string;
}

/** `<svc>`, `<svc>-primary`, `<svc>-canary` where `<svc>` is `spec.service.name` or the target name. */
export function serviceNames(canary: Canary): ServiceNames {
  const apex = canary.spec.service?.name || canary.spec.targetRef.name;
  return { apex, primary: `${apex}-primary`, canary: `${apex}-canary` };
}

/** `<name>.<namespace>`, the way Flagger names a canary in messages. */
export function canaryId(canary: Canary): string {
  return `${canary.metadata.name}.${canary.metadata.namespace}`;
}

export function namespaceOf(canary: Canary): string {
  const ns = canary.metadata.namespace;
  if (!ns)
    throw new Error(`Canary ${canary.metadata.name} has no metadata.namespace`);
  return ns;
}

/** The controller reference that makes deleting the Canary garbage-collect the object. */
export function controllerRef(
  canary: Canary,
): NonNullable<ObjectMeta['ownerReferences']>[number] {
  const uid = canary.metadata.uid;
  if (!uid) {
    throw new Error(
      `Canary ${canaryId(
        canary,
      )} has no metadata.uid; router objects need it for their ownerReference (read the Canary from the cluster, not from a manifest)`,
    );
  }
  return {
    apiVersion: canary.apiVersion,
    kind: 'Canary',
    name: canary.metadata.name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Adds the controller reference unless one to this Canary is already present. */
export function withControllerRef(
  meta: ObjectMeta,
  canary: Canary,
): ObjectMeta {
  const ref = controllerRef(canary);
  const refs = meta.ownerReferences ?? [];
  if (refs.some(r => r.uid === ref.uid)) return meta;
  return { ...meta, ownerReferences: [...refs, ref] };
}

export function apiVersionOf(kind: ResourceKind): string {
  return kind.group ? `${kind.group}/${kind.version}` : kind.version;
}

export function newObject(
  kind: ResourceKind,
  metadata: ObjectMeta,
  body: Record<string, unknown>,
): KubeObject {
  return { apiVersion: apiVersionOf(kind), kind: kind.kind, metadata, ...body };
}

export function notFoundError(
  kindName: string,
  name: string,
  namespace: string,
  verb = 'get query',
): Error {
  return new Error(`${kindName} ${name}.${namespace} ${verb} error: not found`);
}

/** Which traffic strategy the analysis block selects, ignoring provider coercions. */
export function analysisStrategy(
  canary: Canary,
): 'canary' | 'ab-testing' | 'blue-green' {
  const analysis = effectiveAnalysis(canary.spec) ?? {};
  if ((analysis.iterations ?? 0) > 0) {
    return (analysis.match?.length ?? 0) > 0 ? 'ab-testing' : 'blue-green';
  }
  return 'canary';
}

/**
 * Problems every router shares: asking for mirroring or A/B routing it cannot do. Flagger accepts these specs and
 * then stalls (mirror: pre-rollout hooks re-run forever at weight 0) or sends all traffic to the canary (A/B on
 * routers without matches), so we refuse them up front.
 */
export function capabilityProblems(
  canary: Canary,
  provider: string,
  caps: RouterCapabilities,
): SpecProblem[] {
  const analysis = effectiveAnalysis(canary.spec) ?? {};
  const field = canary.spec.analysis ? 'spec.analysis' : 'spec.canaryAnalysis';
  const strategy = analysisStrategy(canary);
  const problems: SpecProblem[] = [];
  if (analysis.mirror && strategy !== 'ab-testing') {
    if (!caps.mirror || !caps.mirrorStrategies.includes(strategy)) {
      const where = caps.mirror
        ? ` for the ${strategy} strategy (only ${caps.mirrorStrategies.join(
            ', ',
          )})`
        : '';
      problems.push({
        field: `${field}.mirror`,
        message: `provider ${provider} does not support traffic mirroring${where}; the canary would never advance past weight 0`,
        fix: `remove ${field}.mirror, or use a provider that mirrors this strategy`,
      });
    }
  }
  if (strategy === 'ab-testing' && !caps.abMatch) {
    problems.push({
      field: `${field}.match`,
      message: `provider ${provider} cannot route by request matches; an A/B run would send all traffic to the canary`,
      fix: `remove ${field}.match (Blue/Green), or use gatewayapi:v1 / nginx for A/B testing`,
    });
  }
  return problems;
}

/** Structural equality where missing, empty arrays and empty objects are the same (like cmpopts.EquateEmpty). */
export function equivalent(a: unknown, b: unknown): boolean {
  const empty = (v: unknown) =>
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' &&
      !Array.isArray(v) &&
      Object.keys(v as object).length === 0);
  if (empty(a) && empty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length)
      return false;
    return a.every((x, i) => equivalent(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (
        !equivalent(
          (a as Record<string, unknown>)[k],
          (b as Record<string, unknown>)[k],
        )
      )
        return false;
    }
    return true;
  }
  return a === b;
}
