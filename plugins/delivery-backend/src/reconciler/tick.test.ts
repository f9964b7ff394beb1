import { mockServices } from '@backstage/backend-test-utils';
import type { Canary, CanaryStatus } from '@delivery/plugin-delivery-common';
import { PrometheusClients } from '../analysis/prometheus';
import { dropLastApplied } from '../kube/projectors';
import { KINDS, type KubeObject } from '../kube/types';
import { podinfoCanary } from '../routers/__fixtures__/podinfo';
import { FakeKube } from '../testing/fakeKube';
import { WebhookCaller } from '../webhooks/call';
import { runTick, type TickDeps, type TickRequest } from './tick';
import { DEFAULT_SETTINGS, type Workload } from './types';

const kube = (o: unknown) => o as KubeObject;

function deployment(name: string, image: string, replicas = 1): Workload {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'test', labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'podinfod', image }] } },
    },
  };
}

/** Plays the Deployment controller: every Deployment is fully rolled out. */
function settle(fake: FakeKube) {
  for (const d of fake.list<KubeObject>(KINDS.deployment, 'test')) {
    const w = d as unknown as Workload;
    const n = w.spec.replicas ?? 1;
    fake.replace(
      KINDS.deployment,
      kube({
        ...w,
        status: {
          observedGeneration: w.metadata.generation,
          replicas: n,
          updatedReplicas: n,
          availableReplicas: n,
          readyReplicas: n,
        },
      }),
      'status',
    );
  }
}

function setup(canary: Canary = podinfoCanary({ spec: { provider: 'linkerd' } })) {
  const fake = new FakeKube();
  fake.seed(KINDS.canary, kube(canary));
  fake.seed(KINDS.deployment, kube(deployment('podinfo', 'podinfo:6.0.0', 2)));
  settle(fake);
  let t = Date.parse('2026-01-01T00:00:00Z');
  const deps: TickDeps = {
    cluster: 'dev',
    reader: fake,
    writer: fake,
    webhooks: new WebhookCaller(),
    prometheus: new PrometheusClients(),
    metricsServer: 'http://127.0.0.1:1',
    meshProvider: 'kubernetes',
    settings: { ...DEFAULT_SETTINGS, minIntervalSeconds: 1, newId: () => 'id-1' },
    logger: mockServices.logger.mock(),
    now: () => new Date(t),
    canWrite: () => true,
  };
  const request = (over: Partial<TickRequest> = {}): TickRequest => ({
    namespace: 'test',
    name: 'podinfo',
    resumed: false,
    stop: new AbortController().signal,
    ...over,
  });
  const status = () => (fake.get(KINDS.canary, 'test', 'podinfo') as unknown as Canary).status ?? ({} as CanaryStatus);
  const advance = (ms: number) => {
    t += ms;
  };
  return { fake, deps, request, status, advance };
}

describe('runTick', () => {
  it('initializes a Linkerd canary: primary, services, TrafficSplit, target scaled to zero, one status write per tick', async () => {
    const { fake, deps, request, status, advance } = setup();
    await runTick(deps, request());
    expect(fake.get(KINDS.deployment, 'test', 'podinfo-primary')).toBeDefined();
    expect(status().phase).toBe('Initializing');
    settle(fake);
    advance(60_000);
    const before = fake.writes.length;
    const result = await runTick(deps, request());
    expect(result?.outcome).toBe('idle');
    expect(status().phase).toBe('Initialized');
    const tickWrites = fake.writes.slice(before);
    expect(tickWrites.filter(w => w.verb === 'status')).toHaveLength(1);
    expect(tickWrites.map(w => `${w.verb} ${w.kind} ${w.name}`)).toEqual(
      expect.arrayContaining(['patch Deployment podinfo', 'create TrafficSplit podinfo', 'status Canary podinfo']),
    );
    const split = fake.get(KINDS.trafficSplit, 'test', 'podinfo') as KubeObject & {
      spec: { backends: Array<{ service: string; weight: string }> };
    };
    expect(split.spec.backends).toEqual([
      { service: 'podinfo-canary', weight: '0' },
      { service: 'podinfo-primary', weight: '100' },
    ]);
    expect(split.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Canary', name: 'podinfo', controller: true });
    expect(fake.events.map(e => e.message)).toContain('Initialization done! podinfo.test');
    // The tick reports what it wrote so the next one can wait for the cache to have it.
    expect(result?.written.some(w => w.kind === KINDS.canary && w.name === 'podinfo')).toBe(true);
  });

  it('writes nothing for an idle canary', async () => {
    const { fake, deps, request, advance } = setup();
    await runTick(deps, request());
    settle(fake);
    advance(60_000);
    await runTick(deps, request());
    settle(fake);
    const writes = fake.writes.length;
    const events = fake.events.length;
    for (let i = 0; i < 3; i++) {
      advance(60_000);
      expect((await runTick(deps, request()))?.outcome).toBe('idle');
    }
    expect(fake.writes.slice(writes)).toEqual([]);
    expect(fake.events.length).toBe(events);
  });

  it.each([
    ['unknown provider', { provider: 'istio' }, 'spec.provider'],
    ['Gateway API without gatewayRefs', { provider: 'gatewayapi:v1' }, 'spec.service.gatewayRefs'],
  ])('refuses a bad spec (%s) with a Warning and a Valid=False condition, writing nothing else', async (_n, spec, field) => {
    const { fake, deps, request, status } = setup(podinfoCanary({ spec }));
    const result = await runTick(deps, request());
    expect(result?.outcome).toBe('invalid-spec');
    expect(fake.writes.map(w => `${w.verb} ${w.kind}`)).toEqual(['status Canary']);
    const valid = status().conditions?.find(c => c.type === 'Valid');
    expect(valid?.status).toBe('False');
    expect(valid?.message).toContain(field);
    expect(valid?.message).toContain('Fix:');
    expect(fake.events).toHaveLength(1);
    expect(fake.events[0]).toMatchObject({ type: 'Warning', message: valid?.message });
    // Unchanged problem: no new event, no new write.
    await runTick(deps, request());
    expect(fake.writes).toHaveLength(1);
    expect(fake.events).toHaveLength(1);
  });

  it('refuses a target whose selector has none of the selector labels', async () => {
    const { fake, deps, request, status } = setup();
    const d = deployment('podinfo', 'podinfo:6.0.0');
    d.spec.selector = { matchLabels: { tier: 'web' } };
    d.spec.template.metadata = { labels: { tier: 'web' } };
    fake.seed(KINDS.deployment, kube(d));
    await runTick(deps, request());
    expect(fake.get(KINDS.deployment, 'test', 'podinfo-primary')).toBeUndefined();
    expect(status().conditions?.find(c => c.type === 'Valid')?.message).toMatch(/spec\.targetRef: .*Fix: add one/);
  });

  it('writes nothing once the lease is lost', async () => {
    const { fake, deps, request } = setup();
    const result = await runTick({ ...deps, canWrite: () => false }, request());
    expect(fake.writes).toEqual([]);
    expect(result?.actionError).toMatch(/not the lease holder/);
  });

  it('decides nothing until every watch the tick reads from has listed once', async () => {
    const { fake, deps, request } = setup();
    const result = await runTick({ ...deps, isSynced: k => k !== KINDS.trafficSplit }, request());
    expect(result?.outcome).toBe('cache-not-synced');
    expect(fake.writes).toEqual([]);
    expect(fake.events).toEqual([]);
  });

  it('hands alerts and every recorded event, with the phase the tick observed, to the notifications', async () => {
    const { fake, deps, request, advance } = setup();
    const alerts: string[] = [];
    const events: Array<{ phase?: string; type: string; message: string }> = [];
    const notifications = {
      alert: (_c: Canary, a: { severity: string; message: string }) => alerts.push(`${a.severity}: ${a.message}`),
      event: (c: Canary, e: { type: string; message: string }) =>
        events.push({ phase: c.status?.phase, type: e.type, message: e.message }),
      idle: async () => undefined,
    };
    await runTick({ ...deps, notifications }, request());
    const firstTick = fake.events.length;
    settle(fake);
    advance(60_000);
    await runTick({ ...deps, notifications }, request());
    expect(alerts).toEqual(['info: New Deployment detected, initialization completed.']);
    // A new canary has no phase yet; the second tick started from Initializing.
    expect(events).toEqual(
      fake.events.map((e, i) => ({
        phase: i < firstTick ? undefined : 'Initializing',
        type: e.type,
        message: e.message,
      })),
    );
    expect(events.map(e => e.message)).toContain('Initialization done! podinfo.test');
  });

  it('forwards nothing once the lease is lost', async () => {
    const { deps, request } = setup();
    const notifications = { alert: jest.fn(), event: jest.fn(), idle: async () => undefined };
    await runTick({ ...deps, canWrite: () => false, notifications }, request());
    expect(notifications.alert).not.toHaveBeenCalled();
    expect(notifications.event).not.toHaveBeenCalled();
  });

  it('returns undefined for a canary that is gone', async () => {
    const { deps, request } = setup();
    expect(await runTick(deps, request({ name: 'nope' }))).toBeUndefined();
  });
});

describe('runTick with an autoscaler', () => {
  const hpa = (name: string, target: string, min: number) =>
    kube({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name, namespace: 'test' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, minReplicas: min, maxReplicas: 5 },
    });

  it('creates <hpa>-primary for <t>-primary once, then leaves it until a promotion', async () => {
    const canary = podinfoCanary({
      spec: { provider: 'linkerd', autoscalerRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' } },
    });
    const { fake, deps, request, status, advance } = setup(canary);
    fake.seed(KINDS.horizontalPodAutoscaler, hpa('podinfo', 'podinfo', 2));
    await runTick(deps, request());
    settle(fake);
    advance(60_000);
    await runTick(deps, request());
    expect(status().phase).toBe('Initialized');
    expect(fake.get(KINDS.horizontalPodAutoscaler, 'test', 'podinfo-primary')).toMatchObject({
      metadata: { ownerReferences: [expect.objectContaining({ kind: 'Canary', name: 'podinfo' })] },
      spec: { scaleTargetRef: { name: 'podinfo-primary' }, minReplicas: 2, maxReplicas: 5 },
    });
    fake.seed(KINDS.horizontalPodAutoscaler, hpa('podinfo', 'podinfo', 3));
    const writes = fake.writes.length;
    advance(60_000);
    expect((await runTick(deps, request()))?.outcome).toBe('idle');
    expect(fake.writes.slice(writes).filter(w => w.kind === 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('refuses an autoscaler kind it does not drive with Valid=False naming spec.autoscalerRef.kind, creating nothing', async () => {
    const canary = podinfoCanary({
      spec: { provider: 'linkerd', autoscalerRef: { apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', name: 'podinfo' } },
    });
    const { fake, deps, request, status } = setup(canary);
    expect((await runTick(deps, request()))?.outcome).toBe('invalid-spec');
    expect(fake.writes.map(w => `${w.verb} ${w.kind}`)).toEqual(['status Canary']);
    expect(status().conditions?.find(c => c.type === 'Valid')?.message).toMatch(
      /^spec\.autoscalerRef\.kind: VerticalPodAutoscaler is not supported .* Fix: /,
    );
  });
});

describe('runTick with revertOnDeletion', () => {
  const OTHER = 'example.com/keep-me';
  const finalizers = (fake: FakeKube) => fake.get(KINDS.canary, 'test', 'podinfo')?.metadata.finalizers;

  it('adds the finalizer next to other controllers’ ones, retrying a conflicting write', async () => {
    const canary = podinfoCanary({ spec: { provider: 'linkerd', revertOnDeletion: true } });
    canary.metadata.finalizers = [OTHER];
    const { fake, deps, request } = setup(canary);
    let raced = false;
    fake.beforeWrite = (verb, kind) => {
      if (raced || verb !== 'update' || kind !== KINDS.canary) return;
      raced = true;
      // Another client edits the Canary between our read and our write.
      const live = fake.get(KINDS.canary, 'test', 'podinfo')!;
      fake.seed(KINDS.canary, { ...live, metadata: { ...live.metadata, labels: { touched: 'yes' } } });
    };
    await runTick(deps, request());
    expect(raced).toBe(true);
    expect(finalizers(fake)).toEqual([OTHER, 'finalizer.flagger.app']);
    expect(fake.get(KINDS.canary, 'test', 'podinfo')?.metadata.labels).toEqual({ touched: 'yes' });
  });

  it('reverts a deleted canary even with a spec it would refuse, then removes only its own finalizer', async () => {
    const { fake, deps, request, advance } = setup(podinfoCanary({ spec: { provider: 'linkerd', revertOnDeletion: true } }));
    await runTick(deps, request());
    settle(fake);
    advance(60_000);
    await runTick(deps, request());
    expect(fake.get<KubeObject & { spec: { replicas: number } }>(KINDS.deployment, 'test', 'podinfo')?.spec.replicas).toBe(0);

    const live = fake.get<Canary & KubeObject>(KINDS.canary, 'test', 'podinfo')!;
    fake.seed(KINDS.canary, {
      ...live,
      metadata: { ...live.metadata, finalizers: [...live.metadata.finalizers!, OTHER], deletionTimestamp: new Date().toISOString() },
      spec: { ...live.spec, provider: 'no-such-mesh' },
    });
    const first = await runTick(deps, request());
    expect(first?.outcome).toBe('terminating');
    expect(fake.get<KubeObject & { spec: { replicas: number } }>(KINDS.deployment, 'test', 'podinfo')?.spec.replicas).toBe(2);
    settle(fake);
    advance(3_000);
    await runTick(deps, request());
    expect(finalizers(fake)).toEqual([OTHER]);
    expect(fake.events.map(e => e.message).slice(-2)).toEqual(['Terminating canary podinfo.test', 'Terminated canary podinfo.test']);
  });
});

describe('runTick with revertOnDeletion and a taken-over apex Service', () => {
  const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

  it('keeps kubectl’s last-applied annotation the cache hides, and restores the selector from it', async () => {
    const { fake, deps, request, advance } = setup(podinfoCanary({ spec: { provider: 'linkerd', revertOnDeletion: true } }));
    const applied = { spec: { selector: { app: 'podinfo', tier: 'web' } } };
    fake.seed(
      KINDS.service,
      kube({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'podinfo', namespace: 'test', annotations: { [LAST_APPLIED]: JSON.stringify(applied) } },
        spec: { selector: applied.spec.selector, ports: [{ name: 'http', port: 9898, targetPort: 9898 }] },
      }),
    );
    // Reads as the real watch cache serves them.
    const reader = {
      get: ((kind, ns, name) => {
        const o = fake.get(kind, ns, name);
        return o && dropLastApplied(o);
      }) as typeof fake.get,
      list: fake.list.bind(fake),
    };
    const tick = () => runTick({ ...deps, reader }, request());
    const apex = () => fake.get<KubeObject & { spec: { selector: Record<string, string> } }>(KINDS.service, 'test', 'podinfo')!;
    await tick();
    settle(fake);
    advance(60_000);
    await tick();
    expect(apex().spec.selector).toEqual({ app: 'podinfo-primary' });
    expect(apex().metadata.annotations?.[LAST_APPLIED]).toBe(JSON.stringify(applied));

    const live = fake.get<Canary & KubeObject>(KINDS.canary, 'test', 'podinfo')!;
    fake.seed(KINDS.canary, { ...live, metadata: { ...live.metadata, deletionTimestamp: new Date().toISOString() } });
    await tick();
    settle(fake);
    advance(3_000);
    await tick();
    expect(apex().spec.selector).toEqual({ app: 'podinfo', tier: 'web' });
    expect(fake.get(KINDS.canary, 'test', 'podinfo')?.metadata.finalizers).toEqual([]);
  });
});
