import type { CanaryAnalysis } from '@delivery/plugin-delivery-common';
import { initializedWorld, makeCanary, makeDeployment, World } from './testing/world';

/** Tick-by-tick runs of A/B testing (b.3.2) and blue/green (b.3.3), including the kubernetes provider. */

const base: CanaryAnalysis = {
  interval: '1s',
  threshold: 2,
  metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }],
  webhooks: [{ name: 'smoke', type: 'pre-rollout', url: 'http://tester/' }],
};

async function timeline(world: World, until: (w: World) => boolean) {
  const out: Array<{ phase: string; iterations: number; routes: string; events: string[] }> = [];
  for (let i = 0; i < 30 && !until(world); i++) {
    const plan = await world.tick();
    out.push({
      phase: plan.phase,
      iterations: world.status.iterations ?? 0,
      routes: `${world.routes.primary}/${world.routes.canary}${world.routes.mirrored ? '/mirrored' : ''}`,
      events: world.takeEvents(),
    });
  }
  return out;
}

describe('A/B testing', () => {
  it('routes matched traffic to the canary for N iterations, then promotes', async () => {
    const world = await initializedWorld(
      { ...base, iterations: 3, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] },
      {},
      { provider: 'istio', caps: { abMatch: true, mirror: true } },
    );
    world.updateTarget('podinfo:6.0.1');
    const run = await timeline(world, w => w.status.phase === 'Succeeded');
    expect(run).toEqual([
      { phase: 'Progressing', iterations: 0, routes: '100/0', events: ['Normal: New revision detected! Scaling up podinfo.test'] },
      {
        phase: 'Progressing',
        iterations: 1,
        routes: '0/100',
        events: [
          'Normal: Starting canary analysis for podinfo.test',
          'Normal: Pre-rollout check smoke passed',
          'Normal: Advance podinfo.test canary iteration 1/3',
        ],
      },
      { phase: 'Progressing', iterations: 2, routes: '0/100', events: ['Normal: Advance podinfo.test canary iteration 2/3'] },
      { phase: 'Progressing', iterations: 3, routes: '0/100', events: ['Normal: Advance podinfo.test canary iteration 3/3'] },
      {
        phase: 'Promoting',
        iterations: 3,
        routes: '0/100',
        events: ['Normal: Copying podinfo.test template spec to podinfo-primary.test'],
      },
      { phase: 'Finalising', iterations: 0, routes: '100/0', events: ['Normal: Routing all traffic to primary'] },
      { phase: 'Succeeded', iterations: 0, routes: '100/0', events: ['Normal: Promotion completed! Scaling down podinfo.test'] },
    ]);
    // status.canaryWeight is never written by A/B, though the matched traffic is on the canary.
    expect(world.plans.every(p => p.actions.every(a => a.type !== 'patchStatus' || !a.status.canaryWeight))).toBe(true);
  });

  it('is refused on a router that cannot match headers, naming the field and the fix', async () => {
    const world = new World(
      makeCanary({ ...base, iterations: 3, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] }),
      makeDeployment('podinfo', 'podinfo:6.0.0'),
      { provider: 'linkerd', caps: { abMatch: false, mirror: false } },
    );
    const plan = await world.tick();
    expect(plan.outcome).toBe('invalid');
    expect(plan.actions.some(a => a.type === 'createPrimary' || a.type === 'applyService')).toBe(false);
    expect(world.takeEvents()).toEqual([
      expect.stringMatching(/^Warning: spec\.analysis\.match: the linkerd router cannot route by header .* Fix: remove spec\.analysis\.match/),
    ]);
  });
});

describe('blue/green', () => {
  it('runs N iterations, switches all traffic to the canary, then promotes (kubernetes provider)', async () => {
    const world = await initializedWorld({ ...base, stepWeight: 10, maxWeight: 50 }, {}, { provider: 'kubernetes' });
    world.updateTarget('podinfo:6.0.1');
    const run = await timeline(world, w => w.status.phase === 'Succeeded');
    const warnings = [
      'Warning: Progressive traffic is not supported when using the kubernetes provider',
      'Warning: Setting canaryAnalysis.iterations: 10',
    ];
    expect(run[1].events).toEqual([
      'Normal: Starting canary analysis for podinfo.test',
      'Normal: Pre-rollout check smoke passed',
      ...warnings,
      'Normal: Advance podinfo.test canary iteration 1/10',
    ]);
    for (let k = 2; k <= 10; k++) {
      expect(run[k].events).toEqual([...warnings, `Normal: Advance podinfo.test canary iteration ${k}/10`]);
    }
    expect(run.slice(11)).toEqual([
      { phase: 'Progressing', iterations: 11, routes: '100/0', events: warnings },
      {
        phase: 'Promoting',
        iterations: 11,
        routes: '100/0',
        events: [...warnings, 'Normal: Copying podinfo.test template spec to podinfo-primary.test'],
      },
      { phase: 'Finalising', iterations: 0, routes: '100/0', events: [] },
      { phase: 'Succeeded', iterations: 0, routes: '100/0', events: ['Normal: Promotion completed! Scaling down podinfo.test'] },
    ]);
    // No routes are ever written with the kubernetes provider.
    expect(world.plans.flatMap(p => p.actions).filter(a => a.type === 'setRoutes' || a.type === 'reconcileRouter')).toEqual([]);
  });

  it('drops A/B matches with the kubernetes provider and says so every tick', async () => {
    const world = await initializedWorld(
      { ...base, iterations: 2, match: [{ headers: { x: { exact: '1' } } }] },
      {},
      { provider: 'kubernetes' },
    );
    world.updateTarget('podinfo:6.0.1');
    await world.tick();
    await world.tick();
    expect(world.takeEvents()).toContain('Warning: A/B testing is not supported when using the kubernetes provider');
    expect(world.status.iterations).toBe(1);
  });

  it('mirrors during the iterations where the router can, then stops mirroring for the switch', async () => {
    const world = await initializedWorld(
      { ...base, iterations: 2, mirror: true },
      {},
      { provider: 'gatewayapi:v1', caps: { mirror: true, abMatch: true } },
    );
    world.updateTarget('podinfo:6.0.1');
    const run = await timeline(world, w => w.status.phase === 'Promoting');
    expect(run.map(r => [r.routes, ...r.events])).toEqual([
      ['100/0', 'Normal: New revision detected! Scaling up podinfo.test'],
      [
        '100/0/mirrored',
        'Normal: Starting canary analysis for podinfo.test',
        'Normal: Pre-rollout check smoke passed',
        'Normal: Advance podinfo.test canary iteration 1/2',
      ],
      ['100/0/mirrored', 'Normal: Advance podinfo.test canary iteration 2/2'],
      ['0/100', 'Normal: Stop traffic mirroring and route all traffic to canary'],
      ['0/100', 'Normal: Copying podinfo.test template spec to podinfo-primary.test'],
    ]);
  });

  it('oscillates N−1 ↔ N while waiting for promotion approval, then switches and promotes', async () => {
    const world = await initializedWorld({
      ...base,
      iterations: 2,
      webhooks: [{ name: 'approve', type: 'confirm-promotion', url: 'http://gate/' }],
    });
    world.hooks.approve = { status: 403, body: 'Forbidden' };
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.status.phase === 'WaitingPromotion');
    expect(world.takeEvents()).toContain('Warning: Halt podinfo.test advancement waiting for promotion approval approve');
    expect(world.status.iterations).toBe(1);
    await world.tick();
    expect(world.status.iterations).toBe(2);
    await world.tick();
    expect(world.status.iterations).toBe(1);
    world.takeEvents();
    await world.tick();
    expect(world.takeEvents()).toEqual(['Normal: Advance podinfo.test canary iteration 2/2']);

    world.hooks.approve = { status: 200 };
    await world.tick();
    expect(world.takeEvents()).toEqual(['Normal: Confirm-promotion check approve passed', 'Normal: Routing all traffic to canary']);
    expect(world.status).toMatchObject({ phase: 'WaitingPromotion', iterations: 3 });
    await world.tick();
    expect(world.status.phase).toBe('Promoting');
  });
});

describe('mirroring on the canary strategy', () => {
  it('takes one mirror-only step before shifting live traffic', async () => {
    const world = await initializedWorld(
      { ...base, stepWeight: 25, maxWeight: 50, mirror: true },
      {},
      { provider: 'istio', caps: { mirror: true, abMatch: true } },
    );
    world.updateTarget('podinfo:6.0.1');
    const run = await timeline(world, w => w.status.phase === 'Promoting');
    expect(run.map(r => r.routes)).toEqual(['100/0', '100/0/mirrored', '75/25', '50/50', '50/50']);
    expect(run[1].events).toContain('Normal: Advance podinfo.test canary weight 0');
  });

  it('is refused once, with a Warning and a Valid=False condition, on a router that cannot mirror', async () => {
    const world = await initializedWorld({ ...base, stepWeight: 10 });
    world.canary.spec.analysis = { ...base, stepWeight: 10, mirror: true };
    const first = await world.tick();
    expect(first.outcome).toBe('invalid');
    expect(world.takeEvents()).toEqual([
      expect.stringMatching(/^Warning: spec\.analysis\.mirror: the linkerd router cannot mirror traffic .* Fix: remove spec\.analysis\.mirror/),
    ]);
    expect(world.status.conditions?.find(c => c.type === 'Valid')).toMatchObject({ status: 'False', reason: 'MirrorNotSupported' });
    expect(await world.tick()).toMatchObject({ outcome: 'invalid', actions: [] });

    world.canary.spec.analysis = { ...base, stepWeight: 10 };
    const fixed = await world.tick();
    expect(fixed.outcome).not.toBe('invalid');
    expect(world.status.conditions?.map(c => c.type)).toEqual(['Promoted']);
  });
});
