import type { CanaryAnalysis } from '@delivery/plugin-delivery-common';
import { initializedWorld, World } from './testing/world';

/** Tick-by-tick runs of the progressive canary strategy (b.3.1), asserting phases, weights and exact events. */

const analysis = (extra: Partial<CanaryAnalysis> = {}): CanaryAnalysis => ({
  interval: '1s',
  threshold: 2,
  stepWeight: 10,
  maxWeight: 50,
  metrics: [
    { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
    { name: 'request-duration', thresholdRange: { max: 500 }, interval: '30s' },
  ],
  webhooks: [
    { name: 'acceptance-test', type: 'pre-rollout', url: 'http://tester/' },
    { name: 'load-test', url: 'http://tester/' },
  ],
  ...extra,
});

async function step(world: World) {
  const plan = await world.tick();
  return { phase: plan.phase, weight: world.routes.canary, events: world.takeEvents() };
}

describe('canary strategy', () => {
  it('follows the stepWeight 10 / maxWeight 50 timeline from detection to Succeeded', async () => {
    const world = await initializedWorld(analysis());
    world.updateTarget('podinfo:6.0.1');

    expect(await step(world)).toEqual({
      phase: 'Progressing',
      weight: 0,
      events: ['Normal: New revision detected! Scaling up podinfo.test'],
    });
    expect(world.status).toMatchObject({ canaryWeight: 0, failedChecks: 0, iterations: 0 });
    expect(world.target!.spec.replicas).toBe(2);

    expect(await step(world)).toEqual({
      phase: 'Progressing',
      weight: 10,
      events: [
        'Normal: Starting canary analysis for podinfo.test',
        'Normal: Pre-rollout check acceptance-test passed',
        'Normal: Advance podinfo.test canary weight 10',
      ],
    });
    // The first analysis tick runs pre-rollout hooks instead of metrics.
    expect(world.metricCalls).toHaveLength(0);

    for (const w of [20, 30, 40, 50]) {
      expect(await step(world)).toEqual({
        phase: 'Progressing',
        weight: w,
        events: [`Normal: Advance podinfo.test canary weight ${w}`],
      });
    }
    expect(world.metricCalls.map(m => `${m.metric.name}@${m.interval}`)).toEqual([
      'request-success-rate@1m',
      'request-duration@30s',
      'request-success-rate@1m',
      'request-duration@30s',
      'request-success-rate@1m',
      'request-duration@30s',
      'request-success-rate@1m',
      'request-duration@30s',
    ]);

    expect(await step(world)).toEqual({
      phase: 'Promoting',
      weight: 50,
      events: ['Normal: Copying podinfo.test template spec to podinfo-primary.test'],
    });
    expect(world.primary!.spec.template.spec!.containers![0].image).toBe('podinfo:6.0.1');

    expect(await step(world)).toEqual({
      phase: 'Finalising',
      weight: 0,
      events: ['Normal: Routing all traffic to primary'],
    });
    expect(await step(world)).toEqual({
      phase: 'Succeeded',
      weight: 0,
      events: ['Normal: Promotion completed! Scaling down podinfo.test'],
    });
    expect(world.target!.spec.replicas).toBe(0);
    expect(world.status.lastPromotedSpec).toBe(world.status.lastAppliedSpec);
    expect(world.status.conditions?.[0]).toMatchObject({ type: 'Promoted', status: 'True', reason: 'Succeeded' });
    expect(world.alerts).toEqual([
      'info: New revision detected, progressing canary analysis.',
      'info: Canary analysis completed successfully, promotion finished.',
    ]);

    // Nothing changed since: the next tick is idle.
    expect((await world.tick()).outcome).toBe('idle');
  });

  it.each<[string, Partial<CanaryAnalysis>, number[]]>([
    ['overshoots maxWeight', { stepWeight: 20, maxWeight: 50 }, [20, 40, 60]],
    ['ignores maxWeight with stepWeights', { stepWeight: undefined, stepWeights: [1, 5, 80], maxWeight: 30 }, [1, 5, 80]],
    ['caps at 100', { stepWeight: 40, maxWeight: 100 }, [40, 80, 100]],
  ])('%s', async (_name, extra, expected) => {
    const world = await initializedWorld(analysis(extra));
    world.updateTarget('podinfo:6.0.1');
    await world.tick();
    const weights: number[] = [];
    while (world.status.phase === 'Progressing') {
      await world.tick();
      if (world.status.phase === 'Progressing') weights.push(world.routes.canary);
    }
    expect(weights).toEqual(expected);
    expect(world.status.phase).toBe('Promoting');
  });

  it('shifts traffic back in stepWeightPromotion steps', async () => {
    const world = await initializedWorld(analysis({ stepWeightPromotion: 20 }));
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.status.phase === 'Promoting');
    world.takeEvents();
    const seen: string[] = [];
    await world.run(w => w.status.phase === 'Finalising');
    seen.push(...world.takeEvents());
    expect(seen).toEqual([
      'Normal: Advance podinfo.test primary weight 70',
      'Normal: Advance podinfo.test primary weight 90',
      'Normal: Advance podinfo.test primary weight 100',
    ]);
    expect(world.routes).toEqual({ primary: 100, canary: 0, mirrored: false });
  });

  it('rolls back at the start of the tick after failed checks reach the threshold', async () => {
    const world = await initializedWorld(analysis({ threshold: 2 }));
    world.updateTarget('podinfo:6.0.1');
    await world.tick(); // detect
    await world.tick(); // pre-rollout + 10
    world.takeEvents();
    world.metrics['request-success-rate'] = { value: 55.055 };

    expect(await step(world)).toEqual({
      phase: 'Progressing',
      weight: 10,
      events: ['Warning: Halt podinfo.test advancement success rate 55.05% < 99%'],
    });
    expect(world.status.failedChecks).toBe(1);
    await world.tick();
    expect(world.status.failedChecks).toBe(2);
    expect(world.status.phase).toBe('Progressing');

    const plan = await world.tick();
    expect(world.takeEvents()).toEqual([
      'Warning: Halt podinfo.test advancement success rate 55.05% < 99%',
      'Warning: Rolling back podinfo.test failed checks threshold reached 2',
      'Warning: Canary failed! Scaling down podinfo.test',
    ]);
    expect(world.status).toMatchObject({ phase: 'Failed', failedChecks: 0, canaryWeight: 0, iterations: 0 });
    expect(world.status.conditions?.[0]).toMatchObject({ status: 'False', message: 'Canary analysis failed, Deployment scaled to zero.' });
    expect(world.routes).toEqual({ primary: 100, canary: 0, mirrored: false });
    expect(world.target!.spec.replicas).toBe(0);
    expect(plan.transitions).toEqual([
      expect.objectContaining({ from: 'Progressing', to: 'Failed', failedChecks: 2 }),
    ]);
    expect(world.alerts).toContain('error: Failed checks threshold reached 2');
    // Failed metrics are in the history with their values and class.
    expect(world.plans.flatMap(p => p.checks).filter(c => !c.passed)).toEqual([
      expect.objectContaining({ name: 'request-success-rate', value: 55.055, thresholdMin: 99, errorClass: 'threshold', weight: 10 }),
      expect.objectContaining({ name: 'request-success-rate', errorClass: 'threshold' }),
    ]);
  });

  it('stays Failed when the target is reverted to the promoted spec, and runs when the failed spec returns', async () => {
    const world = await initializedWorld(analysis({ threshold: 1 }));
    world.updateTarget('podinfo:bad');
    world.metrics['request-success-rate'] = { value: 10 };
    await world.run(w => w.status.phase === 'Failed');
    world.updateTarget('podinfo:6.0.0');
    expect((await world.tick()).outcome).toBe('idle');
    expect((await world.tick()).outcome).toBe('idle');
    world.updateTarget('podinfo:bad');
    await world.tick();
    expect(world.status.phase).toBe('Progressing');
  });

  it('restarts the analysis when a new revision arrives mid-run', async () => {
    const world = await initializedWorld(analysis());
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.routes.canary === 30);
    world.metrics['request-success-rate'] = { value: 10 };
    await world.tick();
    expect(world.status.failedChecks).toBe(1);
    world.metrics['request-success-rate'] = { value: 100 };
    world.takeEvents();
    world.updateTarget('podinfo:6.0.2');

    const plan = await world.tick();
    expect(world.takeEvents()).toEqual(['Normal: New revision detected! Restarting analysis for podinfo.test']);
    expect(world.routes).toEqual({ primary: 100, canary: 0, mirrored: false });
    expect(world.status).toMatchObject({ phase: 'Progressing', canaryWeight: 0, failedChecks: 0, iterations: 0 });
    expect(plan.transitions).toEqual([]);
    // Pre-rollout hooks run again because weight and iterations are back to 0; no confirm-rollout gate.
    expect(await step(world)).toMatchObject({
      weight: 10,
      events: [
        'Normal: Starting canary analysis for podinfo.test',
        'Normal: Pre-rollout check acceptance-test passed',
        'Normal: Advance podinfo.test canary weight 10',
      ],
    });
  });

  it('does not step early on the first tick after a controller restart at weight 30', async () => {
    const world = await initializedWorld(analysis({ interval: '60s' }));
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.routes.canary === 30);
    const lastStep = Date.parse(world.status.lastTransitionTime!);
    // The process restarts 10 s after the last step.
    world.now = lastStep + 10_000;
    const deferred = await world.tick({ resumed: true });
    expect(deferred).toMatchObject({ outcome: 'deferred', actions: [], notBefore: new Date(lastStep + 60_000).toISOString() });
    expect(world.routes.canary).toBe(30);

    world.now = lastStep + 60_000;
    await world.tick({ resumed: true });
    expect(world.routes.canary).toBe(40);
  });

  it('halts on a confirm-traffic-increase failure without counting it, even for an unreachable hook', async () => {
    const world = await initializedWorld(
      analysis({ webhooks: [{ name: 'traffic', type: 'confirm-traffic-increase', url: 'http://nowhere/' }] }),
    );
    world.updateTarget('podinfo:6.0.1');
    world.hooks.traffic = { error: 'Post "http://nowhere/": dial tcp: lookup nowhere: no such host' };
    await world.tick();
    world.takeEvents();
    for (let i = 0; i < 3; i++) {
      const plan = await world.tick();
      expect(plan.outcome).toBe('advanced');
      // Weight and iterations stay 0, so every tick is a "first" analysis tick.
      expect(world.takeEvents()).toEqual([
        'Normal: Starting canary analysis for podinfo.test',
        'Warning: Halt podinfo.test advancement waiting for traffic increase approval traffic',
      ]);
      expect(plan.checks).toEqual([
        expect.objectContaining({ kind: 'webhook', name: 'traffic', passed: false, errorClass: 'webhook-error' }),
      ]);
    }
    expect(world.status).toMatchObject({ phase: 'Progressing', failedChecks: 0 });
    expect(world.routes.canary).toBe(0);
    expect(world.alerts.filter(a => a.includes('traffic increase'))).toHaveLength(3);

    world.hooks.traffic = { status: 200 };
    await world.tick();
    expect(world.takeEvents()).toEqual([
      'Normal: Starting canary analysis for podinfo.test',
      'Normal: Confirm-traffic-increase check traffic passed',
      'Normal: Advance podinfo.test canary weight 10',
    ]);
  });

  it('waits for promotion approval, keeps analysing, and promotes straight from WaitingPromotion', async () => {
    const world = await initializedWorld(
      analysis({ webhooks: [{ name: 'approve', type: 'confirm-promotion', url: 'http://gate/' }] }),
    );
    world.hooks.approve = { status: 403, body: 'Forbidden' };
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.routes.canary === 50);
    world.takeEvents();

    expect(await step(world)).toEqual({
      phase: 'WaitingPromotion',
      weight: 50,
      events: ['Warning: Halt podinfo.test advancement waiting for promotion approval approve'],
    });
    // Flagger writes iterations N−1 = −1 here; we keep it at 0 (docs/reconciler-semantics.md).
    expect(world.status).toMatchObject({ canaryWeight: 0, iterations: 0 });
    expect(world.status.conditions?.[0]).toMatchObject({ status: 'Unknown', message: 'Waiting for approval.' });

    const quiet = await step(world);
    expect(quiet).toEqual({ phase: 'WaitingPromotion', weight: 50, events: [] });
    expect(world.plans[world.plans.length - 1].checks.map(c => c.name)).toEqual([
      'request-success-rate',
      'request-duration',
      'approve',
    ]);

    world.hooks.approve = { status: 202 };
    expect(await step(world)).toEqual({
      phase: 'Promoting',
      weight: 50,
      events: [
        'Normal: Confirm-promotion check approve passed',
        'Normal: Copying podinfo.test template spec to podinfo-primary.test',
      ],
    });
  });

  it('treats 203–299 answers as failures, as Flagger does, and says so in the check record', async () => {
    const world = await initializedWorld(analysis());
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.routes.canary === 10);
    world.hooks['load-test'] = { status: 204, body: '' };
    const plan = await world.tick();
    expect(world.status.failedChecks).toBe(1);
    expect(plan.checks[0]).toMatchObject({
      name: 'load-test',
      passed: false,
      errorClass: 'webhook-error',
      message: expect.stringContaining('HTTP 204 counts as a failure'),
    });
    expect(world.events).toContain('Warning: Halt podinfo.test advancement external check load-test failed ');
  });
});
