import type { CanaryAnalysis } from '@delivery/plugin-delivery-common';
import { ABORT_ANNOTATION, PROMOTE_NOW_ANNOTATION, encodeIntent } from '../../actions/intents';
import { runKeyOf } from '../../gates/policy';
import { initializedWorld, World } from './testing/world';

/** Portal requests (docs/actions.md "Intents for our reconciler"), tick by tick. */

const analysis = (extra: Partial<CanaryAnalysis> = {}): CanaryAnalysis => ({
  interval: '1s',
  threshold: 2,
  stepWeight: 10,
  maxWeight: 50,
  metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }],
  ...extra,
});

const ACTOR = 'user:default/guest';

function request(world: World, annotation: string, extra: { runKey?: string; comment?: string } = {}) {
  world.canary.metadata.annotations = {
    ...world.canary.metadata.annotations,
    [annotation]: encodeIntent({ actor: ACTOR, at: '2026-01-01T00:00:00Z', runKey: runKeyOf(world.canary), ...extra }),
  };
}

async function progressingAt(weight: number, extra: Partial<CanaryAnalysis> = {}) {
  const world = await initializedWorld(analysis(extra));
  world.updateTarget('podinfo:6.0.1');
  await world.run(w => w.status.phase === 'Progressing' && w.routes.canary === weight);
  world.takeEvents();
  world.alerts = [];
  return world;
}

const annotations = (world: World) => Object.keys(world.canary.metadata.annotations ?? {});

describe('portal intents', () => {
  it('abort rolls back like a rollback webhook, names the actor, clears the request and acts once', async () => {
    const world = await progressingAt(20);
    request(world, ABORT_ANNOTATION, { comment: 'wrong build' });

    const plan = await world.tick();
    expect(plan.phase).toBe('Failed');
    expect(world.takeEvents()).toEqual([
      'Warning: Rolling back podinfo.test: aborted by user:default/guest — "wrong build"',
      'Warning: Canary failed! Scaling down podinfo.test',
    ]);
    expect(world.alerts).toEqual(['warn: Rolling back: aborted by user:default/guest']);
    expect(world.routes).toEqual({ primary: 100, canary: 0, mirrored: false });
    expect(world.target!.spec.replicas).toBe(0);
    expect(world.primary!.spec.template.spec!.containers![0].image).toBe('podinfo:6.0.0');
    expect(plan.transitions).toEqual([expect.objectContaining({ from: 'Progressing', to: 'Failed', reason: `aborted by ${ACTOR}` })]);
    expect(plan.actors).toEqual([{ actor: ACTOR, action: 'abort', comment: 'wrong build' }]);
    expect(plan.actions[plan.actions.length - 1]).toEqual({ type: 'clearAnnotations', keys: [ABORT_ANNOTATION] });
    expect(annotations(world)).toEqual([]);

    const after = await world.tick();
    expect(after.phase).toBe('Failed');
    expect(after.actors).toBeUndefined();
    expect(world.takeEvents()).toEqual([]);
  });

  it('promote-now skips the remaining steps and the promotion gate, then finishes as usual', async () => {
    const world = await progressingAt(20, {
      webhooks: [{ name: 'release-gate', type: 'confirm-promotion', url: 'http://gate/' }],
    });
    world.hooks['release-gate'] = { status: 403, body: 'Forbidden' };
    request(world, PROMOTE_NOW_ANNOTATION);

    const plan = await world.tick();
    expect(plan.phase).toBe('Promoting');
    expect(world.takeEvents()).toEqual([
      'Normal: Promoting podinfo.test now, skipping the remaining analysis: requested by user:default/guest',
      'Normal: Copying podinfo.test template spec to podinfo-primary.test',
    ]);
    expect(world.hookCalls).not.toContain('release-gate:Progressing');
    expect(world.primary!.spec.template.spec!.containers![0].image).toBe('podinfo:6.0.1');
    expect(plan.actors).toEqual([{ actor: ACTOR, action: 'promote-now' }]);
    expect(annotations(world)).toEqual([]);

    const phases = await world.run(w => w.status.phase === 'Succeeded', 5);
    expect(phases).toEqual(['Finalising', 'Succeeded']);
    expect(world.target!.spec.replicas).toBe(0);
    expect(world.routes).toEqual({ primary: 100, canary: 0, mirrored: false });
  });

  it('promote-now is accepted while waiting for promotion approval', async () => {
    const world = await initializedWorld(
      analysis({ webhooks: [{ name: 'release-gate', type: 'confirm-promotion', url: 'http://gate/' }] }),
    );
    world.hooks['release-gate'] = { status: 403, body: 'Forbidden' };
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.status.phase === 'WaitingPromotion');
    world.takeEvents();
    request(world, PROMOTE_NOW_ANNOTATION, { comment: 'hotfix' });

    expect((await world.tick()).phase).toBe('Promoting');
    expect(world.takeEvents()[0]).toBe(
      'Normal: Promoting podinfo.test now, skipping the remaining analysis: requested by user:default/guest — "hotfix"',
    );
  });

  it('abort wins over promote-now; both requests are cleared', async () => {
    const world = await progressingAt(10);
    request(world, PROMOTE_NOW_ANNOTATION);
    request(world, ABORT_ANNOTATION);
    const plan = await world.tick();
    expect(plan.phase).toBe('Failed');
    expect(plan.actors).toEqual([{ actor: ACTOR, action: 'abort' }]);
    expect(world.primary!.spec.template.spec!.containers![0].image).toBe('podinfo:6.0.0');
    expect(annotations(world)).toEqual([]);
  });

  it('clears requests of another run without acting on them, and the analysis goes on', async () => {
    const world = await progressingAt(10);
    request(world, ABORT_ANNOTATION, { runKey: 'run:an-older-revision' });
    world.canary.metadata.annotations![PROMOTE_NOW_ANNOTATION] = 'not json';
    const plan = await world.tick();
    expect(plan.phase).toBe('Progressing');
    expect(world.routes.canary).toBe(20);
    expect(plan.actors).toBeUndefined();
    expect(plan.actions[plan.actions.length - 1]).toEqual({
      type: 'clearAnnotations',
      keys: [PROMOTE_NOW_ANNOTATION, ABORT_ANNOTATION],
    });
    expect(annotations(world)).toEqual([]);
  });

  it('a request left behind by a failed clear is not carried out twice', async () => {
    const world = await progressingAt(10);
    request(world, PROMOTE_NOW_ANNOTATION);
    const stale = world.canary.metadata.annotations![PROMOTE_NOW_ANNOTATION];
    expect((await world.tick()).phase).toBe('Promoting');
    world.takeEvents();
    // Same run key (Promoting is still this run), as if the clearing patch had failed.
    world.canary.metadata.annotations = { [PROMOTE_NOW_ANNOTATION]: stale };
    const again = await world.tick();
    expect(again.phase).toBe('Finalising');
    expect(again.actors).toBeUndefined();
    expect(world.takeEvents()).not.toContainEqual(expect.stringContaining('Copying'));
    expect(annotations(world)).toEqual([]);
  });

  it('acts at once on a resumed tick, which would otherwise wait one interval', async () => {
    const world = await progressingAt(10, { interval: '1m' });
    world.now = Date.parse(world.status.lastTransitionTime!) + 1000;
    expect((await world.tick({ resumed: true })).outcome).toBe('deferred');
    world.now = Date.parse(world.status.lastTransitionTime!) + 1000;
    request(world, ABORT_ANNOTATION);
    const plan = await world.tick({ resumed: true });
    expect(plan).toMatchObject({ outcome: 'advanced', phase: 'Failed' });
  });
});
