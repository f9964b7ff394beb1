import type { Workload, WorkloadCondition } from './types';

/**
 * Workload readiness exactly as Flagger judges it (b.7), as pure functions over the observed object.
 * `retriable: false` means "stuck": the progress deadline passed, and the caller rolls back (or fails the promotion).
 */

export type Readiness = { ready: true } | { ready: false; retriable: boolean; message: string };

export interface ReadinessInput {
  /** Percent of updated replicas that must be available (analysis.primaryReadyThreshold / canaryReadyThreshold). */
  readyThreshold: number;
  /** The Canary's progressDeadlineSeconds (default 600). */
  progressDeadlineSeconds: number;
  now: Date;
}

const ROLLOUT = 'waiting for rollout to finish';

function condition(w: Workload, type: string): WorkloadCondition | undefined {
  return w.status?.conditions?.find(c => c.type === type);
}

/** Go's int32(float32(n) * float32(threshold)/float32(100)), float32 rounding included. */
function thresholdCount(n: number, readyThreshold: number): number {
  const ratio = Math.fround(Math.fround(readyThreshold) / Math.fround(100));
  return Math.trunc(Math.fround(Math.fround(n) * ratio));
}

function deadlinePassed(from: string | undefined, seconds: number, now: Date): boolean {
  if (!from) return false;
  const start = Date.parse(from);
  return Number.isFinite(start) && start + seconds * 1000 < now.getTime();
}

/** Readiness of a Deployment, without the object-name prefix (see canaryReadiness / primaryReadiness). */
export function deploymentReadiness(dep: Workload, input: ReadinessInput): Readiness {
  const status = dep.status ?? {};
  const generation = dep.metadata.generation ?? 0;
  if (generation > (status.observedGeneration ?? 0)) {
    return {
      ready: false,
      retriable: true,
      message: `${ROLLOUT}: observed deployment generation less than desired generation`,
    };
  }
  const progress = condition(dep, 'Progressing');
  let retriable = true;
  if (progress) {
    // Stuck when pods have been unavailable for longer than the Canary's own deadline.
    const available = condition(dep, 'Available');
    if (available?.status === 'False' && available.reason === 'MinimumReplicasUnavailable') {
      retriable = !deadlinePassed(available.lastUpdateTime, input.progressDeadlineSeconds, input.now);
    }
  }
  const updated = status.updatedReplicas ?? 0;
  const needAvailable = thresholdCount(updated, input.readyThreshold);
  if (progress?.reason === 'ProgressDeadlineExceeded') {
    return {
      ready: false,
      retriable: false,
      message: `deployment "${dep.metadata.name}" exceeded its progress deadline`,
    };
  }
  if (dep.spec.replicas !== undefined && updated < dep.spec.replicas) {
    return {
      ready: false,
      retriable,
      message: `${ROLLOUT}: ${updated} out of ${dep.spec.replicas} new replicas have been updated`,
    };
  }
  if ((status.replicas ?? 0) > updated) {
    return {
      ready: false,
      retriable,
      message: `${ROLLOUT}: ${(status.replicas ?? 0) - updated} old replicas are pending termination`,
    };
  }
  if ((status.availableReplicas ?? 0) < needAvailable) {
    return {
      ready: false,
      retriable,
      message: `${ROLLOUT}: ${status.availableReplicas ?? 0} of ${needAvailable} (readyThreshold ${input.readyThreshold}%) updated replicas are available`,
    };
  }
  return { ready: true };
}

/**
 * Readiness of a DaemonSet. Its deadline runs from the Canary's status.lastTransitionTime, as in Flagger.
 */
export function daemonSetReadiness(
  ds: Workload,
  input: ReadinessInput & { canaryLastTransitionTime?: string },
): Readiness {
  const status = ds.status ?? {};
  if ((ds.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return {
      ready: false,
      retriable: true,
      message: `${ROLLOUT}: observed daemonset generation less than desired generation`,
    };
  }
  const desired = status.desiredNumberScheduled ?? 0;
  const updated = status.updatedNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  const needAvailable = thresholdCount(desired, input.readyThreshold);
  const notUpdated = updated < desired;
  const notAvailable = available < needAvailable;
  if (!notUpdated && !notAvailable) return { ready: true };
  if (deadlinePassed(input.canaryLastTransitionTime, input.progressDeadlineSeconds, input.now)) {
    return {
      ready: false,
      retriable: false,
      message: `exceeded its progressDeadlineSeconds: ${input.progressDeadlineSeconds}`,
    };
  }
  if (notUpdated) {
    return { ready: false, retriable: true, message: `${ROLLOUT}: ${updated} out of ${desired} new pods have been updated` };
  }
  return {
    ready: false,
    retriable: true,
    message: `${ROLLOUT}: ${available} of ${needAvailable} (readyThreshold ${input.readyThreshold}%) updated pods are available`,
  };
}

export interface NamedReadinessInput extends ReadinessInput {
  namespace: string;
  canaryLastTransitionTime?: string;
}

function judge(w: Workload, input: NamedReadinessInput): Readiness {
  return w.kind === 'DaemonSet' ? daemonSetReadiness(w, input) : deploymentReadiness(w, input);
}

/** The canary target's readiness with Flagger's message prefix (`canary deployment <t>.<ns> not ready: …`). */
export function canaryReadiness(target: Workload, input: NamedReadinessInput): Readiness {
  const r = judge(target, input);
  if (r.ready) return r;
  const id = `${target.metadata.name}.${input.namespace}`;
  const message =
    target.kind === 'DaemonSet'
      ? // Flagger's own spelling, kept so event texts match.
        `canary damonset ${id} not ready with retryable ${r.retriable}: ${r.message}`
      : `canary deployment ${id} not ready: ${r.message}`;
  return { ...r, message };
}

/**
 * The primary's readiness (`<t>-primary.<ns> not ready: …`). A missing primary reads like a fresh one that the
 * Deployment controller has not observed yet, which is what Flagger reports right after creating it.
 */
export function primaryReadiness(
  primary: Workload | undefined,
  primaryName: string,
  kind: Workload['kind'],
  input: NamedReadinessInput,
): Readiness {
  const id = `${primaryName}.${input.namespace}`;
  if (!primary) {
    const what = kind === 'DaemonSet' ? 'daemonset' : 'deployment';
    const prefix = kind === 'DaemonSet' ? `primary daemonset ${id}` : id;
    return {
      ready: false,
      retriable: true,
      message: `${prefix} not ready: ${ROLLOUT}: observed ${what} generation less than desired generation`,
    };
  }
  const r = judge(primary, input);
  if (r.ready) return r;
  const prefix = primary.kind === 'DaemonSet' ? `primary daemonset ${id}` : id;
  return { ...r, message: `${prefix} not ready: ${r.message}` };
}
