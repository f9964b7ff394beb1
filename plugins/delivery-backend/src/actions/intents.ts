import type { Canary } from '@delivery/plugin-delivery-common';
import { runKeyOf } from '../gates/policy';

/**
 * Durable requests from the portal to our reconciler, written as annotations on the Canary so they survive restarts,
 * show up in `kubectl get canary -o yaml`, and need no shared memory between the backend that took the request and
 * the replica holding the reconciler lease. The contract is documented in docs/actions.md.
 */
export const PROMOTE_NOW_ANNOTATION = 'delivery.backstage.io/promote-now';
export const ABORT_ANNOTATION = 'delivery.backstage.io/abort';
/** Set on the target's pod template to start a new run of a Failed revision (like `kubectl rollout restart`). */
export const RETRY_ANNOTATION = 'delivery.backstage.io/retry-of';

/** The value of an intent annotation (JSON). */
export interface ActionIntent {
  /** Entity ref of the user who asked, e.g. `user:default/ann`. */
  actor: string;
  /** ISO time of the request. */
  at: string;
  /** The run the request was made for (see runKeyOf); an intent for another run is stale and must be ignored. */
  runKey: string;
  comment?: string;
}

export interface ActionIntents {
  /** Skip the remaining steps and promote, as if the analysis had completed and every gate were open. */
  promoteNow?: ActionIntent;
  /** Roll back now, as a failed analysis would. Wins over promoteNow when both are present. */
  abort?: ActionIntent;
  /** Annotation keys whose intent is stale (another run) or unreadable: the reconciler removes them. */
  obsolete: string[];
}

export function encodeIntent(intent: ActionIntent): string {
  return JSON.stringify(intent);
}

function decode(raw: string | undefined): ActionIntent | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<ActionIntent>;
    if (typeof v.actor === 'string' && typeof v.at === 'string' && typeof v.runKey === 'string') {
      return { actor: v.actor, at: v.at, runKey: v.runKey, ...(typeof v.comment === 'string' ? { comment: v.comment } : {}) };
    }
  } catch {
    // fall through: reported as obsolete
  }
  return undefined;
}

/**
 * The portal's pending requests for this canary's current run. Pure: the reconciler calls it on every tick with the
 * Canary from its cache, acts on what it returns, then clears the annotation it acted on (and every `obsolete` one)
 * with a merge patch setting it to null.
 */
export function readActionIntents(canary: Pick<Canary, 'metadata' | 'status'>): ActionIntents {
  const annotations = canary.metadata.annotations ?? {};
  const current = runKeyOf(canary);
  const out: ActionIntents = { obsolete: [] };
  for (const [key, field] of [
    [PROMOTE_NOW_ANNOTATION, 'promoteNow'],
    [ABORT_ANNOTATION, 'abort'],
  ] as const) {
    if (!(key in annotations)) continue;
    const intent = decode(annotations[key]);
    if (intent && intent.runKey === current) out[field] = intent;
    else out.obsolete.push(key);
  }
  return out;
}
