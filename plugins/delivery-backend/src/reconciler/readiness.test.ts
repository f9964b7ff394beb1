import { canaryReadiness, daemonSetReadiness, deploymentReadiness, primaryReadiness, Readiness } from './readiness';
import type { Workload, WorkloadCondition } from './types';

const NOW = new Date('2026-01-01T01:00:00Z');
const input = { readyThreshold: 100, progressDeadlineSeconds: 600, now: NOW };

function dep(
  spec: { replicas?: number; generation?: number },
  status: Workload['status'],
  conditions: WorkloadCondition[] = [],
): Workload {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'podinfo', generation: spec.generation ?? 1 },
    spec: { replicas: spec.replicas, template: {} },
    status: { ...status, conditions },
  };
}

const progressing: WorkloadCondition = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' };
const unavailableSince = (iso: string): WorkloadCondition => ({
  type: 'Available',
  status: 'False',
  reason: 'MinimumReplicasUnavailable',
  lastUpdateTime: iso,
});

describe('deploymentReadiness', () => {
  it.each<[string, Workload, number, Readiness]>([
    ['ready', dep({ replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), 100, { ready: true }],
    [
      'generation not observed',
      dep({ replicas: 2, generation: 3 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      100,
      { ready: false, retriable: true, message: 'waiting for rollout to finish: observed deployment generation less than desired generation' },
    ],
    [
      'not all updated',
      dep({ replicas: 3 }, { observedGeneration: 1, replicas: 3, updatedReplicas: 1, availableReplicas: 3 }),
      100,
      { ready: false, retriable: true, message: 'waiting for rollout to finish: 1 out of 3 new replicas have been updated' },
    ],
    [
      'old replicas terminating',
      dep({ replicas: 1 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 1, availableReplicas: 1 }),
      100,
      { ready: false, retriable: true, message: 'waiting for rollout to finish: 1 old replicas are pending termination' },
    ],
    [
      'not enough available',
      dep({ replicas: 1 }, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }),
      100,
      { ready: false, retriable: true, message: 'waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available' },
    ],
    // float32 maths as in Flagger: 3 × 0.7 = 2.0999999 → 2 required.
    ['threshold 70% of 3', dep({ replicas: 3 }, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 2 }), 70, { ready: true }],
    [
      'threshold 70% of 10',
      dep({ replicas: 10 }, { observedGeneration: 1, replicas: 10, updatedReplicas: 10, availableReplicas: 6 }),
      70,
      { ready: false, retriable: true, message: 'waiting for rollout to finish: 6 of 7 (readyThreshold 70%) updated replicas are available' },
    ],
    [
      'progress deadline exceeded',
      dep({ replicas: 1 }, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }, [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
      ]),
      100,
      { ready: false, retriable: false, message: 'deployment "podinfo" exceeded its progress deadline' },
    ],
    [
      'unavailable longer than the canary deadline',
      dep({ replicas: 1 }, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }, [
        progressing,
        unavailableSince('2026-01-01T00:49:59Z'),
      ]),
      100,
      { ready: false, retriable: false, message: 'waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available' },
    ],
    [
      'unavailable within the deadline',
      dep({ replicas: 1 }, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }, [
        progressing,
        unavailableSince('2026-01-01T00:50:01Z'),
      ]),
      100,
      { ready: false, retriable: true, message: 'waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available' },
    ],
    [
      'stale Available condition is ignored without a Progressing condition',
      dep({ replicas: 1 }, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }, [
        unavailableSince('2025-01-01T00:00:00Z'),
      ]),
      100,
      { ready: false, retriable: true, message: 'waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available' },
    ],
  ])('%s', (_name, workload, readyThreshold, expected) => {
    expect(deploymentReadiness(workload, { ...input, readyThreshold })).toEqual(expected);
  });
});

describe('daemonSetReadiness', () => {
  const ds = (status: Workload['status'], generation = 1): Workload => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', generation },
    spec: { template: {} },
    status,
  });
  it.each<[string, Workload, string | undefined, Readiness]>([
    ['ready', ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }), undefined, { ready: true }],
    [
      'not updated',
      ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3 }),
      '2026-01-01T00:59:00Z',
      { ready: false, retriable: true, message: 'waiting for rollout to finish: 1 out of 3 new pods have been updated' },
    ],
    [
      'not available',
      ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }),
      '2026-01-01T00:59:00Z',
      { ready: false, retriable: true, message: 'waiting for rollout to finish: 2 of 3 (readyThreshold 100%) updated pods are available' },
    ],
    [
      'deadline from the canary transition time',
      ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3 }),
      '2026-01-01T00:49:00Z',
      { ready: false, retriable: false, message: 'exceeded its progressDeadlineSeconds: 600' },
    ],
    [
      'generation',
      ds({ observedGeneration: 1 }, 2),
      undefined,
      { ready: false, retriable: true, message: 'waiting for rollout to finish: observed daemonset generation less than desired generation' },
    ],
  ])('%s', (_name, workload, since, expected) => {
    expect(daemonSetReadiness(workload, { ...input, canaryLastTransitionTime: since })).toEqual(expected);
  });
});

describe('named readiness messages', () => {
  const notReady = dep({ replicas: 1 }, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 });
  const named = { ...input, namespace: 'test' };

  it('prefixes the canary and primary messages like Flagger', () => {
    expect(canaryReadiness(notReady, named)).toMatchObject({
      message: 'canary deployment podinfo.test not ready: waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available',
    });
    expect(primaryReadiness(notReady, 'podinfo-primary', 'Deployment', named)).toMatchObject({
      message: 'podinfo-primary.test not ready: waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available',
    });
  });

  it('reads a missing primary as one not yet observed', () => {
    expect(primaryReadiness(undefined, 'podinfo-primary', 'Deployment', named)).toEqual({
      ready: false,
      retriable: true,
      message: 'podinfo-primary.test not ready: waiting for rollout to finish: observed deployment generation less than desired generation',
    });
  });
});
