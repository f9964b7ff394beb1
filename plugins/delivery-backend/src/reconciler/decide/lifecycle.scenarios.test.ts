import type { CanaryAnalysis } from '@delivery/plugin-delivery-common';
import { initializedWorld, makeCanary, makeDeployment, T0, World } from './testing/world';

/** Bootstrap, gates, suspend, skipAnalysis, deadlines, rollback hooks, failed promotion and migration. */

const base: CanaryAnalysis = {
  interval: '1s',
  threshold: 3,
  stepWeight: 25,
  maxWeight: 50,
  metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }],
};

describe('bootstrap', () => {
  it('creates services and the primary, waits for the primary, then reaches Initialized', async () => {
    const world = new World(makeCanary(base), makeDeployment('podinfo', 'podinfo:6.0.0'));
    world.stalled.add('primary');
    const first = await world.tick();
    expect(first.phase).toBe('Initializing');
    expect(first.actions.map(a => a.type)).toEqual([
      'patchStatus',
      'applyService',
      'applyService',
      'createPrimary',
      'recordEvent',
    ]);
    expect(world.takeEvents()).toEqual([
      'Warning: podinfo-primary.test not ready: waiting for rollout to finish: observed deployment generation less than desired generation',
    ]);
    expect(world.status.conditions).toEqual([
      expect.objectContaining({ type: 'Promoted', status: 'Unknown', reason: 'Initializing', message: 'New Deployment detected, starting initialization.' }),
    ]);
    expect(world.primary).toMatchObject({
      metadata: { name: 'podinfo-primary', labels: { app: 'podinfo-primary' }, ownerReferences: [expect.objectContaining({ kind: 'Canary', uid: 'uid-1' })] },
      spec: { replicas: 2, selector: { matchLabels: { app: 'podinfo-primary' } } },
    });
    expect(world.primary!.spec.template.metadata!.annotations!['flagger-id']).toBe('id-1');
    expect(world.services.canary!.spec.selector).toEqual({ app: 'podinfo' });
    expect(world.services.primary!.spec.selector).toEqual({ app: 'podinfo-primary' });

    world.stalled.clear();
    world.settle();
    const second = await world.tick();
    expect(second.phase).toBe('Initialized');
    expect(world.takeEvents()).toEqual(['Normal: Initialization done! podinfo.test']);
    expect(world.services.apex).toMatchObject({
      metadata: { name: 'podinfo', annotations: { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' } },
      spec: { selector: { app: 'podinfo-primary' }, ports: [{ name: 'http', port: 9898, targetPort: 9898, protocol: 'TCP' }] },
    });
    expect(world.target!.spec.replicas).toBe(0);
    expect(world.status.lastAppliedSpec).toMatch(/^d1-[0-9a-f]{10}$/);
    expect(world.status.lastPromotedSpec).toBe(world.status.lastAppliedSpec);
    expect(world.alerts).toEqual(['info: New Deployment detected, initialization completed.']);
    expect(second.actions.find(a => a.type === 'alert')).toMatchObject({
      fields: [
        { name: 'Target', value: 'Deployment/podinfo.test' },
        { name: 'Failed checks threshold', value: '3' },
        { name: 'Progress deadline', value: '600s' },
        { name: 'Traffic routing', value: 'Weight step: 25 max: 50' },
      ],
    });
    // Idle afterwards: services are unchanged, nothing is rewritten.
    const third = await world.tick();
    expect(third.outcome).toBe('idle');
    expect(third.actions.map(a => a.type)).toEqual(['reconcileRouter']);
  });

  it('reports a missing target and a target without selector labels', async () => {
    const missing = new World(makeCanary(base), undefined);
    await missing.tick();
    expect(missing.takeEvents()).toEqual([
      'Warning: deployment podinfo.test get query error: deployments.apps "podinfo" not found',
    ]);
    const target = makeDeployment('podinfo', 'podinfo:6.0.0');
    target.spec.selector = { matchLabels: { tier: 'web' } };
    const unlabeled = new World(makeCanary(base), target);
    await unlabeled.tick();
    expect(unlabeled.takeEvents()).toEqual([
      'Warning: getSelectorLabel failed: deployment podinfo.test spec.selector.matchLabels must contain one of [app name app.kubernetes.io/name]',
    ]);
  });
});

describe('start gate', () => {
  it('waits in Waiting (announced once) until confirm-rollout passes', async () => {
    const world = await initializedWorld({ ...base, webhooks: [{ name: 'gate', type: 'confirm-rollout', url: 'http://gate/' }] });
    world.hooks.gate = { status: 403, body: 'Forbidden' };
    world.updateTarget('podinfo:6.0.1');
    await world.tick();
    expect(world.status.phase).toBe('Waiting');
    expect(world.takeEvents()).toEqual(['Warning: Halt podinfo.test advancement waiting for approval gate']);
    expect(world.alerts).toEqual(['warn: Canary is waiting for approval.']);
    await world.tick();
    expect(world.takeEvents()).toEqual([]);
    expect(world.hookCalls).toEqual(['gate:Initialized', 'gate:Waiting']);
    expect(world.target!.spec.replicas).toBe(0);

    world.hooks.gate = { status: 200 };
    await world.tick();
    expect(world.takeEvents()).toEqual([
      'Normal: Confirm-rollout check gate passed',
      'Normal: New revision detected! Scaling up podinfo.test',
    ]);
    expect(world.status).toMatchObject({ phase: 'Progressing', canaryWeight: 0 });
    expect(world.target!.spec.replicas).toBe(2);
  });

  it('scales the target to the primary replica count when its own is zero', async () => {
    const world = await initializedWorld(base);
    world.primary!.spec.replicas = 4;
    world.settle();
    world.updateTarget('podinfo:6.0.1');
    const plan = await world.tick();
    expect(plan.actions).toContainEqual({ type: 'scaleTarget', replicas: 4 });
  });
});

describe('suspend', () => {
  it('only records the suspension event, then resumes where it stopped', async () => {
    const world = await initializedWorld(base);
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.routes.canary === 25);
    world.canary.spec.suspend = true;
    const plan = await world.tick();
    expect(plan.actions).toEqual([
      { type: 'recordEvent', eventType: 'Normal', message: 'skipping canary run as object is suspended' },
    ]);
    world.canary.spec.suspend = false;
    await world.tick();
    expect(world.routes.canary).toBe(50);
  });
});

describe('skipAnalysis', () => {
  it('promotes on the tick after detection without analysis and without waiting for the primary', async () => {
    const world = await initializedWorld(
      { ...base, webhooks: [{ name: 'notify', type: 'post-rollout', url: 'http://hook/' }] },
      { skipAnalysis: true },
    );
    world.updateTarget('podinfo:6.0.1');
    await world.tick();
    world.takeEvents();
    world.stalled.add('primary');
    const plan = await world.tick();
    expect(plan.phase).toBe('Succeeded');
    expect(world.takeEvents()).toEqual([
      'Normal: Copying podinfo.test template spec to podinfo-primary.test',
      'Normal: Post-rollout check notify passed',
      'Normal: Promotion completed! Canary analysis was skipped for podinfo.test',
    ]);
    expect(world.hookCalls).toEqual(['notify:Succeeded']);
    expect(world.metricCalls).toEqual([]);
    expect(world.target!.spec.replicas).toBe(0);
    expect(world.alerts).toContain('info: Canary analysis was skipped, promotion finished.');
  });
});

describe('promotion without a primary', () => {
  it('reports the missing primary and retries next tick (which recreates it)', async () => {
    const world = await initializedWorld(base, { skipAnalysis: true });
    world.updateTarget('podinfo:6.0.1');
    await world.tick();
    world.primary = undefined;
    world.takeEvents();
    const plan = await world.tick();
    expect(plan.actions.map(a => a.type)).toContain('createPrimary');
    expect(world.takeEvents()).toEqual([
      'Normal: Copying podinfo.test template spec to podinfo-primary.test',
      'Warning: updating deployment podinfo-primary.test template spec failed: deployment podinfo-primary.test get query error: deployments.apps "podinfo-primary" not found',
    ]);
    expect(world.status.phase).toBe('Progressing');
    await world.tick();
    expect(world.status.phase).toBe('Succeeded');
  });
});

describe('deadlines and rollbacks', () => {
  it('rolls back when the canary exceeds its progress deadline, without a threshold message or alert', async () => {
    const world = await initializedWorld(base);
    world.updateTarget('podinfo:6.0.1');
    world.stalled.add('target');
    await world.tick();
    world.takeEvents();
    world.target!.status = {
      observedGeneration: world.target!.metadata.generation,
      replicas: 2,
      updatedReplicas: 2,
      availableReplicas: 0,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    };
    await world.tick();
    expect(world.takeEvents()).toEqual([
      'Warning: canary deployment podinfo.test not ready: deployment "podinfo" exceeded its progress deadline',
      'Warning: Canary failed! Scaling down podinfo.test',
    ]);
    expect(world.status.phase).toBe('Failed');
    expect(world.alerts).toEqual(['info: New revision detected, progressing canary analysis.']);
  });

  it('waits on an unready canary without counting failed checks', async () => {
    const world = await initializedWorld(base);
    world.updateTarget('podinfo:6.0.1');
    world.stalled.add('target');
    await world.tick();
    world.takeEvents();
    world.target!.status = { observedGeneration: world.target!.metadata.generation, replicas: 2, updatedReplicas: 2, availableReplicas: 1 };
    for (let i = 0; i < 3; i++) await world.tick();
    expect(world.takeEvents()).toEqual(
      Array(3).fill(
        'Warning: canary deployment podinfo.test not ready: waiting for rollout to finish: 1 of 2 (readyThreshold 100%) updated replicas are available',
      ),
    );
    expect(world.status).toMatchObject({ phase: 'Progressing', failedChecks: 0 });
  });

  it('rolls back when a rollback hook answers success', async () => {
    const world = await initializedWorld({ ...base, webhooks: [{ name: 'rb', type: 'rollback', url: 'http://lt/rollback/check' }] });
    world.hooks.rb = { status: 403, body: 'Forbidden' };
    world.updateTarget('podinfo:6.0.1');
    await world.tick();
    await world.tick();
    expect(world.takeEvents()).toContain('Normal: Rollback hook rb not signaling a rollback');
    world.hooks.rb = { status: 200, body: 'Approved' };
    await world.tick();
    expect(world.takeEvents()).toEqual([
      'Warning: Rollback check rb passed',
      'Warning: Rolling back podinfo.test manual webhook invoked',
      'Warning: Canary failed! Scaling down podinfo.test',
    ]);
    expect(world.hookCalls.slice(-1)).toEqual(['rb:Progressing']);
    expect(world.alerts).toContain('warn: Rolling back manual webhook invoked');
  });

  it('fails the promotion when the primary gets stuck, sending all traffic to the canary', async () => {
    const world = await initializedWorld({ ...base, webhooks: [{ name: 'post', type: 'post-rollout', url: 'http://hook/' }] });
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.status.phase === 'Promoting');
    world.takeEvents();
    world.stalled.add('primary');
    world.primary!.status = {
      observedGeneration: world.primary!.metadata.generation,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    };
    await world.tick();
    const err = 'podinfo-primary.test not ready: deployment "podinfo-primary" exceeded its progress deadline';
    expect(world.takeEvents()).toEqual([
      `Warning: ${err}`,
      `Warning: Promotion of podinfo.test failed, primary not ready: ${err}`,
      'Normal: Post-rollout check post passed',
    ]);
    expect(world.routes).toEqual({ primary: 0, canary: 100, mirrored: false });
    expect(world.status).toMatchObject({ phase: 'Failed', canaryWeight: 100 });
    expect(world.target!.spec.replicas).toBe(2);
    expect(world.hookCalls).toContain('post:Failed');
  });

  it('ends the tick with the router error when routes cannot be read', async () => {
    const world = await initializedWorld(base);
    world.updateTarget('podinfo:6.0.1');
    world.routesError = 'TrafficSplit podinfo.test get query error: not found';
    const plan = await world.tick();
    expect(plan.outcome).toBe('halted');
    expect(world.takeEvents()).toEqual(['Warning: TrafficSplit podinfo.test get query error: not found']);
  });
});

describe('config tracking', () => {
  it('points the primary at -primary copies and starts a run when a tracked ConfigMap changes', async () => {
    const target = makeDeployment('podinfo', 'podinfo:6.0.0');
    target.spec.template.spec!.containers![0].envFrom = [{ configMapRef: { name: 'podinfo-config' } }];
    const world = new World(makeCanary(base), target);
    world.configMaps['podinfo-config'] = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'podinfo-config', namespace: 'test' },
      data: { color: 'blue' },
    };
    await world.run(w => w.status.phase === 'Initialized', 5);
    expect(world.primary!.spec.template.spec!.containers![0].envFrom).toEqual([{ configMapRef: { name: 'podinfo-config-primary' } }]);
    expect(world.configMaps['podinfo-config-primary']?.data).toEqual({ color: 'blue' });
    expect(Object.keys(world.status.trackedConfigs ?? {})).toEqual(['configmap/podinfo-config']);
    expect((await world.tick()).outcome).toBe('idle');

    world.configMaps['podinfo-config'].data = { color: 'green' };
    await world.tick();
    expect(world.status.phase).toBe('Progressing');
  });
});

describe('migration from Flagger', () => {
  it.each([
    ['Succeeded', { lastAppliedSpec: '85d557f47b', lastPromotedSpec: '85d557f47b' }],
    ['Initialized', { lastAppliedSpec: '85d557f47b', lastPromotedSpec: '85d557f47b' }],
    ['Failed', { lastAppliedSpec: '7b4f8d9c5', lastPromotedSpec: '85d557f47b' }],
  ] as const)('adopts foreign hashes on a %s canary instead of starting a run', async (phase, hashes) => {
    const world = await initializedWorld(base);
    world.canary.status = { ...world.status, phase, ...hashes };
    const plan = await world.tick();
    expect(plan.outcome).toBe('idle');
    expect(world.status.lastAppliedSpec).toMatch(/^d1-/);
    // Failed adopts the hash as applied only; idle phases as applied and promoted.
    const promoted = phase === 'Failed' ? hashes.lastPromotedSpec : world.status.lastAppliedSpec;
    expect(world.status.lastPromotedSpec).toBe(promoted);
    world.updateTarget('podinfo:6.0.1');
    await world.tick();
    expect(world.status.phase).toBe('Progressing');
  });

  it('continues a run Flagger started without restarting it', async () => {
    const world = await initializedWorld(base);
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.routes.canary === 25);
    world.canary.status = { ...world.status, lastAppliedSpec: '5c8d7f6b9' };
    world.takeEvents();
    await world.tick();
    expect(world.takeEvents()).toEqual(['Normal: Advance podinfo.test canary weight 50']);
  });
});

describe('settings floors', () => {
  it.each([
    ['1s', 10, 10_000],
    ['1s', 1, 1_000],
    ['2m', 10, 120_000],
    ['garbage', 10, 60_000],
  ])('interval %s with floor %d s → %d ms', async (interval, floor, expected) => {
    const world = new World(makeCanary({ ...base, interval }), makeDeployment('podinfo', 'podinfo:6.0.0'), {
      settings: { minIntervalSeconds: floor },
    });
    expect((await world.tick()).intervalMs).toBe(expected);
  });

  it('treats threshold 0 as 1', async () => {
    const world = await initializedWorld({ ...base, threshold: 0 });
    world.updateTarget('podinfo:6.0.1');
    await world.run(w => w.routes.canary === 25);
    world.metrics['request-success-rate'] = { value: 1 };
    await world.tick();
    await world.tick();
    expect(world.status.phase).toBe('Failed');
    expect(world.now).toBeGreaterThan(T0);
  });
});
