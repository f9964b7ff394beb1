import type { CanaryAnalysis } from '@delivery/plugin-delivery-common';
import type { HorizontalPodAutoscaler, ScaledObject } from '../types';
import { makeCanary, makeDeployment, World } from './testing/world';

/** The primary HorizontalPodAutoscaler, tick by tick: created at bootstrap, followed only at promotion. */

const base: CanaryAnalysis = {
  interval: '1s',
  threshold: 3,
  stepWeight: 50,
  maxWeight: 50,
  metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }],
};

const cpu = (average: number) => [
  { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: average } } },
];

function targetHpa(min: number, max: number, average = 80): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name: 'podinfo',
      namespace: 'test',
      labels: { team: 'web', 'kustomize.toolkit.fluxcd.io/name': 'apps' },
    },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      minReplicas: min,
      maxReplicas: max,
      metrics: cpu(average),
      behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
    },
  };
}

function hpaWorld(spec: Parameters<typeof makeCanary>[1] = {}, analysis: CanaryAnalysis = base) {
  const world = new World(
    makeCanary(analysis, {
      autoscalerRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' },
      ...spec,
    }),
    makeDeployment('podinfo', 'podinfo:6.0.0'),
  );
  world.autoscalers.podinfo = targetHpa(2, 4);
  return world;
}

describe('primary autoscaler', () => {
  it('is created at bootstrap for <t>-primary with the target HPA settings, owned by the Canary', async () => {
    const world = hpaWorld();
    await world.run(w => w.status.phase === 'Initialized', 5);
    expect(world.autoscalers['podinfo-primary']).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: {
        name: 'podinfo-primary',
        namespace: 'test',
        labels: { team: 'web' },
        ownerReferences: [expect.objectContaining({ kind: 'Canary', name: 'podinfo', uid: 'uid-1', controller: true })],
      },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo-primary' },
        minReplicas: 2,
        maxReplicas: 4,
        metrics: cpu(80),
        behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      },
    });
    // Idle ticks leave it alone.
    const idle = await world.tick();
    expect(idle.actions.map(a => a.type)).not.toContain('applyAutoscaler');
  });

  it('takes min/max from primaryScalerReplicas when set', async () => {
    const world = hpaWorld({
      autoscalerRef: {
        kind: 'HorizontalPodAutoscaler',
        name: 'podinfo',
        primaryScalerReplicas: { minReplicas: 3, maxReplicas: 10 },
      },
    });
    await world.run(w => w.status.phase === 'Initialized', 5);
    expect(world.autoscalers['podinfo-primary'].spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
  });

  it('halts bootstrap with a Warning while the target HPA is missing, before the apex Service moves', async () => {
    const world = hpaWorld();
    delete world.autoscalers.podinfo;
    await world.tick();
    await world.tick();
    expect(world.takeEvents()).toContain(
      'Warning: HorizontalPodAutoscaler podinfo.test get query error: horizontalpodautoscalers.autoscaling "podinfo" not found',
    );
    expect(world.status.phase).toBe('Initializing');
    expect(world.services.apex).toBeUndefined();
    expect(world.target!.spec.replicas).toBe(2);
  });

  it('follows a changed target HPA only when promoting, and scales the target up from the HPA minimum', async () => {
    const world = hpaWorld();
    await world.run(w => w.status.phase === 'Initialized', 5);
    world.autoscalers.podinfo = targetHpa(3, 6, 60);

    world.updateTarget('podinfo:6.0.1');
    const start = await world.tick();
    expect(start.actions).toContainEqual({ type: 'scaleTarget', replicas: 3 });
    await world.run(w => w.status.phase === 'Promoting', 6);
    // Mid-analysis and on the promotion tick itself the primary keeps its old scaling.
    expect(world.autoscalers['podinfo-primary'].spec).toMatchObject({ minReplicas: 2, maxReplicas: 4, metrics: cpu(80) });
    // The promotion tick copied the template but not the replicas: an autoscaler owns them.
    expect(world.primary!.spec.replicas).toBe(2);

    const promoting = await world.tick();
    expect(promoting.actions.map(a => a.type).slice(0, 2)).toEqual(['reconcileRouter', 'applyAutoscaler']);
    expect(world.autoscalers['podinfo-primary'].spec).toMatchObject({
      scaleTargetRef: { name: 'podinfo-primary' },
      minReplicas: 3,
      maxReplicas: 6,
      metrics: cpu(60),
    });
    await world.run(w => w.status.phase === 'Succeeded', 3);
  });

  it('scales up from 1 when the HPA minimum is 1 or unset', async () => {
    const world = hpaWorld();
    world.autoscalers.podinfo = targetHpa(1, 4);
    delete world.autoscalers.podinfo.spec.minReplicas;
    await world.run(w => w.status.phase === 'Initialized', 5);
    world.updateTarget('podinfo:6.0.1');
    expect((await world.tick()).actions).toContainEqual({ type: 'scaleTarget', replicas: 1 });
  });

  it('skipAnalysis promotes the primary HPA with the template', async () => {
    const world = hpaWorld({ skipAnalysis: true });
    await world.run(w => w.status.phase === 'Initialized', 5);
    world.autoscalers.podinfo = targetHpa(5, 9);
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.status.phase === 'Succeeded', 4);
    expect(world.autoscalers['podinfo-primary'].spec).toMatchObject({ minReplicas: 5, maxReplicas: 9 });
  });
});

describe('primary ScaledObject (KEDA)', () => {
  const PAUSED = 'autoscaling.keda.sh/paused-replicas';

  function scaledObject(min: number, threshold = '100'): ScaledObject {
    return {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'podinfo', namespace: 'test', labels: { team: 'web' } },
      spec: {
        scaleTargetRef: { name: 'podinfo' },
        minReplicaCount: min,
        maxReplicaCount: 5,
        pollingInterval: 30,
        triggers: [
          {
            type: 'prometheus',
            name: 'rps',
            metadata: {
              serverAddress: 'http://prometheus:9090',
              query: 'sum(rate(http_requests_total{app="podinfo"}[1m])) + sum(rate(x{deployment="podinfo-canary"}[1m]))',
              threshold,
            },
          },
          { type: 'prometheus', name: 'given', metadata: { query: 'sum(podinfo)', threshold: '1' } },
          { type: 'cpu', metadata: { value: '80' } },
        ],
      },
    };
  }

  function soWorld(spec: Parameters<typeof makeCanary>[1] = {}) {
    const world = new World(
      makeCanary(base, {
        autoscalerRef: {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'ScaledObject',
          name: 'podinfo',
          primaryScalerQueries: { given: 'sum(podinfo_primary_custom)' },
        },
        ...spec,
      }),
      makeDeployment('podinfo', 'podinfo:6.0.0'),
    );
    world.autoscalers.podinfo = scaledObject(2);
    return world;
  }
  const paused = (w: World) => w.autoscalers.podinfo.metadata.annotations?.[PAUSED];

  it('creates <so>-primary with queries pointed at the primary and pauses the target ScaledObject while idle', async () => {
    const world = soWorld();
    await world.run(w => w.status.phase === 'Initialized', 5);
    const primary = world.autoscalers['podinfo-primary'] as ScaledObject;
    expect(primary.metadata).toMatchObject({
      name: 'podinfo-primary',
      labels: { team: 'web' },
      ownerReferences: [expect.objectContaining({ kind: 'Canary', name: 'podinfo' })],
    });
    expect(primary.spec).toMatchObject({ scaleTargetRef: { name: 'podinfo-primary' }, minReplicaCount: 2, maxReplicaCount: 5, pollingInterval: 30 });
    expect(primary.spec.triggers.map(t => t.metadata)).toEqual([
      {
        serverAddress: 'http://prometheus:9090',
        query:
          'sum(rate(http_requests_total{app="podinfo-primary"}[1m])) + sum(rate(x{deployment="podinfo-primary"}[1m]))',
        threshold: '100',
      },
      { query: 'sum(podinfo_primary_custom)', threshold: '1' },
      { value: '80' },
    ]);
    expect(paused(world)).toBe('0');
    expect(world.target!.spec.replicas).toBe(0);
  });

  it('resumes the target ScaledObject for a run, scales from its minimum, follows it at promotion and pauses it again', async () => {
    const world = soWorld();
    await world.run(w => w.status.phase === 'Initialized', 5);
    world.autoscalers.podinfo = { ...scaledObject(3, '50'), metadata: { ...world.autoscalers.podinfo.metadata } };

    world.updateTarget('podinfo:6.0.1');
    const start = await world.tick();
    expect(start.actions.map(a => a.type)).toEqual(expect.arrayContaining(['setScalerPaused', 'scaleTarget']));
    expect(start.actions.findIndex(a => a.type === 'setScalerPaused')).toBeLessThan(
      start.actions.findIndex(a => a.type === 'scaleTarget'),
    );
    expect(paused(world)).toBeUndefined();
    expect(world.target!.spec.replicas).toBe(3);
    expect((world.autoscalers['podinfo-primary'] as ScaledObject).spec.minReplicaCount).toBe(2);

    await world.run(w => w.status.phase === 'Succeeded', 10);
    const primary = world.autoscalers['podinfo-primary'] as ScaledObject;
    expect(primary.spec.minReplicaCount).toBe(3);
    expect(primary.spec.triggers[0].metadata?.threshold).toBe('50');
    expect(paused(world)).toBe('0');
    expect(world.target!.spec.replicas).toBe(0);
  });

  it('pauses it on rollback and resumes it when a deleted canary is reverted', async () => {
    const world = soWorld({ revertOnDeletion: true });
    await world.run(w => w.status.phase === 'Initialized', 5);
    world.metrics['request-success-rate'] = { value: 50 };
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.status.phase === 'Failed', 10);
    expect(paused(world)).toBe('0');

    world.canary.metadata.deletionTimestamp = new Date(world.now).toISOString();
    await world.tick();
    expect(paused(world)).toBeUndefined();
    expect(world.target!.spec.replicas).toBe(2);
  });
});
