import type { CanaryAnalysis } from '@delivery/plugin-delivery-common';
import { FINALIZER, readinessChecks } from './termination';
import { initializedWorld, makeCanary, makeDeployment, World } from './testing/world';

/** revertOnDeletion (b.11), tick by tick: the finalizer, then the revert of a deleted Canary. */

const base: CanaryAnalysis = {
  interval: '30s',
  threshold: 3,
  stepWeight: 50,
  maxWeight: 50,
  metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }],
};

async function deletedWorld(spec: Parameters<typeof initializedWorld>[1] = { revertOnDeletion: true }) {
  const world = await initializedWorld(base, spec);
  world.canary.metadata.deletionTimestamp = new Date(world.now).toISOString();
  return world;
}

/** Ticks at the time the previous plan asked for (the scheduler's notBefore), else one interval later. */
async function tickAsScheduled(world: World) {
  const previous = world.plans[world.plans.length - 1];
  if (previous?.notBefore) world.now = Date.parse(previous.notBefore);
  return world.tick();
}

describe('finalizer', () => {
  it('is added while revertOnDeletion is true and removed once it is false, even when suspended', async () => {
    const world = await initializedWorld(base, { revertOnDeletion: true });
    expect(world.canary.metadata.finalizers).toEqual([FINALIZER]);
    const idle = await world.tick();
    expect(idle.actions.map(a => a.type)).not.toContain('setFinalizer');

    world.canary.spec.revertOnDeletion = false;
    world.canary.spec.suspend = true;
    const plan = await world.tick();
    expect(plan.outcome).toBe('suspended');
    expect(plan.actions).toContainEqual({ type: 'setFinalizer', present: false });
    expect(world.canary.metadata.finalizers).toEqual([]);
  });

  it('is never added without revertOnDeletion, and deleting such a Canary changes nothing', async () => {
    const world = await deletedWorld({});
    expect(world.canary.metadata.finalizers).toBeUndefined();
    const plan = await world.tick();
    expect(plan).toMatchObject({ outcome: 'deleting', actions: [] });
    expect(world.target!.spec.replicas).toBe(0);
  });
});

describe('deletion with revertOnDeletion', () => {
  it('scales the target to the primary replicas, waits for it, reverts the apex Service and removes the finalizer', async () => {
    const world = await deletedWorld();
    // A Service that existed before the Canary, taken over at bootstrap.
    world.services.apex = {
      ...world.services.apex!,
      metadata: {
        name: 'podinfo',
        namespace: 'test',
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
            spec: { selector: { app: 'podinfo', tier: 'web' } },
          }),
        },
      },
    };
    world.primary!.spec.replicas = 3;
    world.stalled.add('target');

    const first = await world.tick();
    expect(first.outcome).toBe('terminating');
    expect(world.takeEvents()).toEqual(['Normal: Terminating canary podinfo.test']);
    expect(world.status.phase).toBe('Terminating');
    expect(world.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Promoted', status: 'Unknown', reason: 'Terminating' }),
    );
    expect(world.target!.spec.replicas).toBe(3);
    expect(world.canary.metadata.finalizers).toEqual([FINALIZER]);
    const started = Date.parse(world.status.lastTransitionTime!);
    expect(first.notBefore).toBe(new Date(started + 3000).toISOString());

    // The target is still rolling out: check again on the backoff schedule, nothing reverted yet.
    const waiting = await tickAsScheduled(world);
    expect(waiting.actions.filter(a => a.type !== 'patchStatus')).toEqual([]);
    expect(waiting.notBefore).toBe(new Date(started + 9000).toISOString());

    world.stalled.clear();
    world.settle();
    const last = await tickAsScheduled(world);
    expect(last.actions.map(a => a.type)).toEqual(['revertService', 'finalizeRouter', 'setFinalizer', 'recordEvent']);
    expect(world.services.apex!.spec.selector).toEqual({ app: 'podinfo', tier: 'web' });
    expect(world.takeEvents()).toEqual(['Normal: Terminated canary podinfo.test']);
    expect(world.removed).toBe(true);
  });

  it('reverts anyway once the bounded wait is over, saying the target was not ready', async () => {
    const world = await deletedWorld();
    world.stalled.add('target');
    await world.tick();
    for (let i = 0; i < 3 && !world.removed; i++) await tickAsScheduled(world);
    expect(world.removed).toBe(true);
    expect(world.takeEvents()).toEqual([
      'Normal: Terminating canary podinfo.test',
      'Warning: canary deployment podinfo.test not ready: waiting for rollout to finish: observed deployment generation less than desired generation; reverting podinfo.test anyway',
      'Normal: Terminated canary podinfo.test',
    ]);
  });

  it('repeats the event and the scale when the reconciler died before the status write', async () => {
    const world = await deletedWorld();
    const before = structuredClone(world.canary.status);
    const first = await world.tick();
    expect(first.actions.map(a => a.type)).toEqual(['recordEvent', 'scaleTarget', 'patchStatus']);
    world.canary.status = before;
    const again = await world.tick({ resumed: true });
    expect(again.actions.map(a => a.type)).toEqual(['recordEvent', 'scaleTarget', 'patchStatus']);
    expect(world.takeEvents()).toEqual(['Normal: Terminating canary podinfo.test', 'Normal: Terminating canary podinfo.test']);
    expect(world.status.phase).toBe('Terminating');
  });

  it('resumes from the cluster after a restart: a target found back at zero is scaled again', async () => {
    const world = await deletedWorld();
    await world.tick();
    // Terminating, but the target shows 0 replicas again (scaled down by someone, or the scale never landed).
    world.target!.spec.replicas = 0;
    world.settle();
    // Long after: the wait for the target starts again rather than being over already.
    world.now += 10 * 60_000;
    const resumedAt = world.now;
    const resumed = await world.tick({ resumed: true });
    expect(resumed.actions.map(a => a.type)).toEqual(['scaleTarget', 'patchStatus']);
    expect(resumed.actions).toContainEqual({ type: 'scaleTarget', replicas: 2 });
    expect(world.status.lastTransitionTime).toBe(new Date(resumedAt).toISOString());
    expect(resumed.notBefore).toBe(new Date(resumedAt + 3000).toISOString());
    expect(world.takeEvents()).toEqual(['Normal: Terminating canary podinfo.test']);
    await tickAsScheduled(world);
    expect(world.removed).toBe(true);
    expect(world.takeEvents()).toEqual(['Normal: Terminated canary podinfo.test']);
  });

  it('points a taken-over apex Service without last-applied configuration at the target, and leaves an owned one', async () => {
    const takenOver = await deletedWorld();
    takenOver.services.apex = { ...takenOver.services.apex!, metadata: { name: 'podinfo', namespace: 'test' } };
    await takenOver.run(w => w.removed, 4);
    expect(takenOver.services.apex!.spec.selector).toEqual({ app: 'podinfo' });

    const owned = await deletedWorld();
    const before = owned.plans.length;
    await owned.run(w => w.removed, 4);
    expect(owned.services.apex!.spec.selector).toEqual({ app: 'podinfo-primary' });
    expect(owned.plans.slice(before).flatMap(p => p.actions).some(a => a.type === 'revertService')).toBe(false);
  });

  it('scales up from zero when there is no primary, and finishes without a target', async () => {
    const noPrimary = new World(
      makeCanary(base, { revertOnDeletion: true }),
      makeDeployment('podinfo', 'podinfo:6.0.0', 0),
    );
    noPrimary.canary.metadata.finalizers = [FINALIZER];
    noPrimary.canary.metadata.deletionTimestamp = new Date(noPrimary.now).toISOString();
    expect((await noPrimary.tick()).actions).toContainEqual({ type: 'scaleTarget', replicas: 1 });

    const noTarget = await deletedWorld();
    noTarget.target = undefined;
    await noTarget.tick();
    expect(noTarget.removed).toBe(true);
    expect(noTarget.takeEvents()).toEqual([
      'Normal: Terminating canary podinfo.test',
      'Warning: deployment podinfo.test get query error: deployments.apps "podinfo" not found',
      'Normal: Terminated canary podinfo.test',
    ]);
  });

  it('waits on a schedule of 3 s doubling, each step capped at the interval', () => {
    expect(readinessChecks(60_000)).toEqual([3000, 9000, 21000]);
    expect(readinessChecks(5_000)).toEqual([3000, 8000, 13000]);
  });
});
