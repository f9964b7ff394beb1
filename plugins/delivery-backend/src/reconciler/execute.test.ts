import type { Canary } from '@delivery/plugin-delivery-common';
import { KINDS, type KubeObject } from '../kube/types';
import { podinfoCanary } from '../routers/__fixtures__/podinfo';
import { KubernetesRouter } from '../routers/kubernetes';
import { FakeKube } from '../testing/fakeKube';
import { desiredPrimaryAutoscaler } from './autoscaler';
import { executeActions } from './execute';
import type { HorizontalPodAutoscaler, TickAction } from './types';

/** The writes behind the autoscaler and finalizer actions, against the fake API server. */

const canary: Canary = podinfoCanary({
  spec: { autoscalerRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' } },
});

function targetHpa(min: number, max: number): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'podinfo', namespace: 'test', labels: { team: 'web' } },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, minReplicas: min, maxReplicas: max },
  };
}

const execute = (fake: FakeKube, actions: TickAction[]) =>
  executeActions({
    canary,
    actions,
    writer: fake,
    router: new KubernetesRouter(),
    signal: new AbortController().signal,
    callHook: async () => ({ status: 200 }),
    now: () => new Date('2026-01-01T00:00:00Z'),
  });

describe('executeActions: applyAutoscaler', () => {
  it('updates spec and labels of a live primary HPA, keeps its other metadata, and writes nothing when it matches', async () => {
    const fake = new FakeKube();
    const primary = desiredPrimaryAutoscaler(canary, targetHpa(2, 4));
    fake.seed(KINDS.horizontalPodAutoscaler, {
      ...primary,
      metadata: { ...primary.metadata, annotations: { 'example.com/note': 'keep' } },
    } as unknown as KubeObject);
    const desired = desiredPrimaryAutoscaler(canary, targetHpa(3, 6));
    const result = await execute(fake, [{ type: 'applyAutoscaler', autoscaler: desired }]);
    expect(result.error).toBeUndefined();
    const live = fake.get<HorizontalPodAutoscaler & KubeObject>(KINDS.horizontalPodAutoscaler, 'test', 'podinfo-primary')!;
    expect(live.spec).toEqual(desired.spec);
    expect(live.metadata.annotations).toEqual({ 'example.com/note': 'keep' });
    expect(live.metadata.ownerReferences).toEqual(desired.metadata.ownerReferences);

    const writes = fake.writes.length;
    await execute(fake, [{ type: 'applyAutoscaler', autoscaler: desired }]);
    expect(fake.writes.length).toBe(writes);
  });
});

describe('executeActions: setFinalizer', () => {
  it('removes only finalizer.flagger.app and is a no-op when already in the wanted state', async () => {
    const fake = new FakeKube();
    fake.seed(KINDS.canary, {
      ...canary,
      metadata: { ...canary.metadata, finalizers: ['example.com/other', 'finalizer.flagger.app'] },
    } as unknown as KubeObject);
    await execute(fake, [{ type: 'setFinalizer', present: false }]);
    expect(fake.get(KINDS.canary, 'test', 'podinfo')?.metadata.finalizers).toEqual(['example.com/other']);
    const writes = fake.writes.length;
    await execute(fake, [{ type: 'setFinalizer', present: false }]);
    expect(fake.writes.length).toBe(writes);
  });

  it('reports a failed write as the tick error (the next tick retries)', async () => {
    const fake = new FakeKube();
    fake.seed(KINDS.canary, canary as unknown as KubeObject);
    fake.beforeWrite = () => {
      throw new Error('canaries.flagger.app "podinfo" is forbidden');
    };
    const result = await execute(fake, [{ type: 'setFinalizer', present: true }]);
    expect(result.error).toEqual({ action: 'setFinalizer', message: 'canaries.flagger.app "podinfo" is forbidden' });
  });
});
