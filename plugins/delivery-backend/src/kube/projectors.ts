import { KINDS, KubeObject, ResourceKind } from './types';
import type { Projector } from './listWatch';

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
