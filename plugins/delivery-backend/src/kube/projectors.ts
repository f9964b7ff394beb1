import { KINDS, KubeObject, ResourceKind } from './types';
import type { Projector } from './listWatch';
import { canaryRecordCompactor } from './compactCanary';
import { StringPool } from './stringPool';
import { WorkloadRecord } from '../fleet/workloadRecord';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Drops the client-side-apply copy of the object, often the biggest annotation by far. */
export const dropLastApplied: Projector = obj => {
  const annotations = obj.metadata.annotations;
  if (!annotations || !(LAST_APPLIED in annotations)) return obj;
  const { [LAST_APPLIED]: _drop, ...rest } = annotations;
  return { ...obj, metadata: { ...obj.metadata, annotations: rest } };
};

/** Events keep only what the timeline and the history read. */
export const projectEvent: Projector = obj => {
  const e = obj as KubeObject & Record<string, unknown>;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    involvedObject: e.involvedObject,
    reason: e.reason,
    message: e.message,
    type: e.type,
    count: e.count,
    firstTimestamp: e.firstTimestamp,
    lastTimestamp: e.lastTimestamp,
    eventTime: e.eventTime,
    source: e.source,
    reportingComponent: e.reportingComponent,
  };
};

/**
 * Projector per kind. Workloads keep their full spec: the reconciler copies a target's pod template into its
 * primary, so trimming it here would break promotion.
 */
export function projectorFor(kind: ResourceKind): Projector {
  if (kind.kind === KINDS.event.kind && kind.group === '') return projectEvent;
  return dropLastApplied;
}

type WorkloadShape = KubeObject & {
  spec?: {
    replicas?: number;
    template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: Array<{ name?: string; image?: string }> } };
  };
  status?: Record<string, unknown>;
};

/**
 * Workloads of a cluster only observed (upstream Flagger reconciles it): labels, replicas, template labels, container
 * images and replica counts are all the fleet shows, and a real pod template is most of a Deployment's size. Kept
 * as one flat record (see `WorkloadRecord`), not as a tree shaped like a Deployment.
 */
export function fleetWorkloadProjector(pool = new StringPool()): Projector {
  return obj => {
    const w = obj as WorkloadShape;
    // No uid, generation or creation time: no fleet reader uses them, and at 200k workloads they cost about 25 MiB.
    const { name, namespace, resourceVersion, labels } = obj.metadata;
    const list = w.spec?.template?.spec?.containers ?? [];
    // `map` sizes its result exactly; an array grown by push keeps room for 17 elements.
    const images = list.map(c => pool.intern(c.image));
    // A Flagger-generated `-primary` is matched to no entity (its target is), so its labels are not kept.
    const owned = ownedByCanary(obj);
    const s = (w.status ?? {}) as Record<string, unknown>;
    const count = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : undefined);
    return new WorkloadRecord({
      kind: obj.kind,
      name: pool.intern(name),
      namespace: pool.intern(namespace),
      resourceVersion,
      labels: owned ? undefined : pool.labels(labels),
      templateLabels: owned ? undefined : pool.labels(w.spec?.template?.metadata?.labels),
      replicas: w.spec?.replicas,
      containerNames: pool.list(list.map(c => c.name)),
      images,
      status: {
        replicas: count('replicas'),
        readyReplicas: count('readyReplicas'),
        updatedReplicas: count('updatedReplicas'),
        numberReady: count('numberReady'),
        desiredNumberScheduled: count('desiredNumberScheduled'),
        updatedNumberScheduled: count('updatedNumberScheduled'),
      },
    });
  };
}

type ServiceShape = KubeObject & { spec?: { selector?: Record<string, string>; ports?: unknown[]; clusterIP?: string } };

/**
 * Services of an observed cluster: the fleet only lists a canary's generated Services, so it keeps who they select
 * and their address. Not used where the reconciler runs: it diffs the whole live Service before writing.
 */
export const projectServiceForFleet: Projector = obj => {
  const s = obj as ServiceShape;
  const { name, namespace, uid, resourceVersion, labels, ownerReferences } = obj.metadata;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { name, namespace, uid, resourceVersion, labels, ownerReferences },
    spec: { selector: s.spec?.selector, ports: s.spec?.ports, clusterIP: s.spec?.clusterIP },
  };
};

/** Projectors for a cluster the reconciler does not drive: workloads and Services shrink to what the fleet reads. */
export function observedProjectorFor(kind: ResourceKind): Projector {
  // One pool per list-watch: strings repeat most within one cluster's objects of one kind.
  if (kind.group === 'apps' && (kind.kind === KINDS.deployment.kind || kind.kind === KINDS.daemonSet.kind)) {
    return fleetWorkloadProjector(new StringPool());
  }
  if (kind.group === '' && kind.kind === KINDS.service.kind) return projectServiceForFleet;
  return projectorFor(kind);
}

/** Canaries of observed clusters are stored as records (kube/compactCanary.ts); other kinds as projected. */
export function observedCompactorFor(kind: ResourceKind): Projector | undefined {
  if (kind.group === KINDS.canary.group && kind.kind === KINDS.canary.kind) return canaryRecordCompactor(new StringPool());
  return undefined;
}

/** How caches of clusters the fleet only observes shrink what they keep, as `ClusterCacheOptions`. */
export const OBSERVED_PROJECTION = { projectorFor: observedProjectorFor, compactorFor: observedCompactorFor };

/** True for the `<t>-primary` workloads and generated Services: objects a Canary controls. */
function ownedByCanary(obj: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some(o => o.controller && o.kind === 'Canary');
}

/**
 * A `<t>-primary` workload as the reconciler needs it: everything but the pod template's spec, of which only the
 * container names and images stay (the fleet and the history show them). Promotion replaces the primary's whole
 * template spec with the target's, so nothing reads the rest; the target keeps its full template.
 */
export const projectPrimaryWorkload: Projector = obj => {
  const w = obj as WorkloadShape;
  const template = w.spec?.template;
  if (!template?.spec) return obj;
  const containers = (template.spec.containers ?? []).map(c => ({ name: c.name, image: c.image }));
  return { ...obj, spec: { ...w.spec, template: { ...template, spec: { containers } } } };
};

/**
 * Projectors for a cluster the reconciler drives. Targets, Services and Canaries stay whole (the reconciler copies
 * a target's template and writes Services back from what it cached); primaries shrink to what it reads.
 */
export function reconcilerProjectorFor(kind: ResourceKind): Projector {
  const base = projectorFor(kind);
  if (kind.group === 'apps' && (kind.kind === KINDS.deployment.kind || kind.kind === KINDS.daemonSet.kind)) {
    return obj => {
      const slim = base(obj);
      return ownedByCanary(slim) ? projectPrimaryWorkload(slim) : slim;
    };
  }
  return base;
}
