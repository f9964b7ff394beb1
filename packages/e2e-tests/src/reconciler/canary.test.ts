import http from 'node:http';
import { freePort } from '../lib/backend';
import { describeE2e } from '../lib/gate';
import { startPrometheus, type RunningPrometheus } from '../lib/prometheus';
import { eventRecorder, ReconcilerEnv, weightRecorder } from '../lib/reconcilerEnv';

/**
 * Linkerd SMI canaries driven end to end on the local control plane by the reconciler (running as a ServiceAccount
 * bound only to the shipped least-privilege ClusterRole), judged by a real Prometheus scraping series the test sets.
 */

const METRICS = [
  { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '10s' },
  { name: 'request-duration', thresholdRange: { max: 500 }, interval: '10s' },
];

function linkerdCanary(analysis: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    provider: 'linkerd',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898 },
    analysis: { interval: '2s', threshold: 2, maxWeight: 50, stepWeight: 10, metrics: METRICS, ...analysis },
    ...extra,
  };
}

describeE2e('reconciler: Linkerd canaries on a real cluster', () => {
  let env: ReconcilerEnv;
  let prom: RunningPrometheus;
  const namespaces = ['s1', 's2', 's5', 's4a', 's4b', 's4c'];
  /** Gate hooks answered by the test: path → open. */
  const gates = new Map<string, boolean>();
  let hooks: http.Server;
  let hookUrl = '';

  beforeAll(async () => {
    [env, prom] = await Promise.all([ReconcilerEnv.start({ name: 'rec-canary' }), startPrometheus()]);
    const port = await freePort();
    hooks = http.createServer((req, res) => {
      req.resume();
      res.writeHead(gates.get(req.url ?? '') ? 200 : 403).end(gates.get(req.url ?? '') ? 'OK' : 'Forbidden');
    });
    await new Promise<void>(r => hooks.listen(port, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${port}`;
    const token = await env.serviceAccountToken();
    for (const ns of namespaces) await env.ensureNamespace(ns);
    await env.startReconciler({
      token,
      identity: 'replica-1',
      namespaces,
      leaseName: 'delivery-reconciler',
      metricsServer: prom.url,
      meshProvider: 'linkerd',
    });
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
    await prom?.stop();
    await new Promise(r => (hooks ? hooks.close(r) : r(undefined)));
  }, 60_000);

  async function initialized(ns: string, spec: Record<string, unknown>) {
    await env.createDeployment(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.0');
    await env.createCanary(ns, 'podinfo', spec);
    await env.waitPhase(ns, 'podinfo', 'Initialized', 60_000);
  }

  it('1: stepWeight 10 / maxWeight 50: one step per tick, promotion, exact event sequence', async () => {
    const ns = 's1';
    prom.exporter.set(ns, 'podinfo', { errorRatio: 0, latencyMs: 40 });
    const events = eventRecorder(env.observer(), ns, 'podinfo');
    const weights = weightRecorder(env.observer(), ns, 'podinfo');
    await initialized(ns, linkerdCanary({}));
    expect(await env.trafficSplitWeights(ns, 'podinfo')).toEqual({ primary: 100, canary: 0 });

    const started = Date.now();
    await env.setImage(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.1');
    await env.waitPhase(ns, 'podinfo', 'Progressing', 5_000);
    const toProgressing = Date.now() - started;
    const done = await env.waitPhase(ns, 'podinfo', 'Succeeded', 90_000);

    expect(done.status).toMatchObject({ phase: 'Succeeded', canaryWeight: 0, failedChecks: 0 });
    expect(weights.weights.map(w => w.canary)).toEqual([0, 10, 20, 30, 40, 50, 0]);
    const primary = await env.deployment(ns, 'podinfo-primary');
    expect(primary.spec.template.spec.containers[0].image).toBe('ghcr.io/stefanprodan/podinfo:6.0.1');
    expect((await env.deployment(ns, 'podinfo')).spec.replicas).toBe(0);
    expect(await env.trafficSplitWeights(ns, 'podinfo')).toEqual({ primary: 100, canary: 0 });

    const id = `podinfo.${ns}`;
    const normal = events.seen.filter(e => e.type === 'Normal').map(e => e.message);
    expect(normal).toEqual([
      'all the metrics providers are available!',
      `Initialization done! ${id}`,
      `New revision detected! Scaling up ${id}`,
      `Starting canary analysis for ${id}`,
      `Advance ${id} canary weight 10`,
      `Advance ${id} canary weight 20`,
      `Advance ${id} canary weight 30`,
      `Advance ${id} canary weight 40`,
      `Advance ${id} canary weight 50`,
      `Copying ${id} template spec to podinfo-primary.${ns}`,
      'Routing all traffic to primary',
      `Promotion completed! Scaling down ${id}`,
    ]);
    // Only readiness waits may warn in a healthy run.
    for (const w of events.seen.filter(e => e.type === 'Warning')) expect(w.message).toMatch(/not ready/);
    events.stop();
    weights.stop();
    // kubectl set image → Progressing: the target's watch event enqueues the canary at once.
    expect(toProgressing).toBeLessThan(2_000);
  }, 150_000);

  it('2: failing success rate rolls back; reverting starts nothing; a new image starts a new run', async () => {
    const ns = 's2';
    prom.exporter.set(ns, 'podinfo', { errorRatio: 0, latencyMs: 40 });
    await initialized(ns, linkerdCanary({}));
    const events = eventRecorder(env.observer(), ns, 'podinfo');

    prom.exporter.set(ns, 'podinfo', { errorRatio: 0.5, latencyMs: 40 });
    await env.setImage(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.1');
    const failed = await env.waitPhase(ns, 'podinfo', 'Failed', 90_000);
    expect(failed.status).toMatchObject({ phase: 'Failed', canaryWeight: 0, failedChecks: 0 });
    expect(await env.trafficSplitWeights(ns, 'podinfo')).toEqual({ primary: 100, canary: 0 });
    expect((await env.deployment(ns, 'podinfo')).spec.replicas).toBe(0);
    const id = `podinfo.${ns}`;
    const messages = events.seen.map(e => `${e.type}: ${e.message}`);
    const halts = messages.filter(m => /^Warning: Halt podinfo\.s2 advancement success rate \d+\.\d\d% < 99%$/.test(m));
    expect(halts.length).toBeGreaterThanOrEqual(1); // aggregated by text: identical halts share one Event
    expect(messages).toContain(`Warning: Rolling back ${id} failed checks threshold reached 2`);
    expect(messages).toContain(`Warning: Canary failed! Scaling down ${id}`);
    expect(messages.indexOf(`Warning: Canary failed! Scaling down ${id}`)).toBeGreaterThan(
      messages.indexOf(`Warning: Rolling back ${id} failed checks threshold reached 2`),
    );

    // Reverting the target to the promoted spec is not a new revision. Healthy traffic meanwhile, so the next
    // run's 10 s metric window no longer holds the failures.
    prom.exporter.set(ns, 'podinfo', { errorRatio: 0, latencyMs: 40 });
    await env.setImage(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.0');
    await new Promise(r => setTimeout(r, 11_000)); // five intervals
    expect((await env.canary(ns, 'podinfo')).status?.phase).toBe('Failed');
    expect(events.seen.filter(e => e.message.startsWith('New revision detected!'))).toHaveLength(1);

    await env.setImage(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.2');
    await env.waitPhase(ns, 'podinfo', 'Progressing', 5_000);
    await env.waitPhase(ns, 'podinfo', 'Succeeded', 90_000);
    const primary = await env.deployment(ns, 'podinfo-primary');
    expect(primary.spec.template.spec.containers[0].image).toBe('ghcr.io/stefanprodan/podinfo:6.0.2');
    events.stop();
  }, 240_000);

  it('5: a canary image that never becomes ready is rolled back at the progress deadline', async () => {
    const ns = 's5';
    prom.exporter.set(ns, 'podinfo', { errorRatio: 0, latencyMs: 40 });
    await env.createDeployment(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.0', { progressDeadlineSeconds: 8 });
    await env.createCanary(ns, 'podinfo', linkerdCanary({}, { progressDeadlineSeconds: 8 }));
    await env.waitPhase(ns, 'podinfo', 'Initialized', 60_000);
    const events = eventRecorder(env.observer(), ns, 'podinfo');
    // kwok never makes containers with a `-fail` image ready (tools/cluster/README.md).
    await env.setImage(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo-fail:6.0.1');
    const failed = await env.waitPhase(ns, 'podinfo', 'Failed', 60_000);
    expect(failed.status?.canaryWeight).toBe(0);
    const messages = events.seen.map(e => `${e.type}: ${e.message}`);
    // The run ends with the readiness message (the Canary's own deadline or the Deployment's, whichever is first).
    const failedAt = messages.indexOf(`Warning: Canary failed! Scaling down podinfo.${ns}`);
    expect(failedAt).toBeGreaterThan(0);
    expect(messages[failedAt - 1]).toMatch(
      /^Warning: (canary deployment podinfo\.s5 not ready: waiting for rollout to finish: 0 of 1|deployment "podinfo" exceeded its progress deadline)/,
    );
    expect(failed.status?.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Promoted', status: 'False', reason: 'Failed' })]),
    );
    expect(messages.filter(m => m.includes('canary weight'))).toEqual([]);
    events.stop();
  }, 120_000);

  it('4: gates: confirm-rollout waits, confirm-promotion waits, rollback hook aborts, bad traffic-increase URL only halts', async () => {
    const hook = (type: string, name: string, url: string) => ({ name, type, url, timeout: '1s' });
    for (const ns of ['s4a', 's4b', 's4c']) prom.exporter.set(ns, 'podinfo', { errorRatio: 0, latencyMs: 40 });
    await Promise.all([
      initialized(
        's4a',
        linkerdCanary({
          webhooks: [
            hook('confirm-rollout', 'gate-rollout', `${hookUrl}/s4a/rollout`),
            hook('confirm-promotion', 'gate-promotion', `${hookUrl}/s4a/promotion`),
          ],
        }),
      ),
      initialized('s4b', linkerdCanary({ webhooks: [hook('rollback', 'abort', `${hookUrl}/s4b/rollback`)] })),
      initialized(
        's4c',
        linkerdCanary({ webhooks: [hook('confirm-traffic-increase', 'traffic', 'http://127.0.0.1:1/unreachable')] }),
      ),
    ]);
    const image = 'ghcr.io/stefanprodan/podinfo:6.0.1';
    await Promise.all(['s4a', 's4b', 's4c'].map(ns => env.setImage(ns, 'podinfo', image)));

    // confirm-rollout: Waiting until the gate opens, then the run starts.
    await env.waitPhase('s4a', 'podinfo', 'Waiting', 10_000);
    await new Promise(r => setTimeout(r, 4_000));
    expect((await env.canary('s4a', 'podinfo')).status?.phase).toBe('Waiting');
    gates.set('/s4a/rollout', true);
    await env.waitPhase('s4a', 'podinfo', 'Progressing', 10_000);

    // rollback hook: asks for a rollback once it answers 200.
    await env.waitFor('s4b weight 20', async () => (await env.canary('s4b', 'podinfo')).status?.canaryWeight >= 20);
    gates.set('/s4b/rollback', true);
    await env.waitPhase('s4b', 'podinfo', 'Failed', 15_000);
    expect(await env.trafficSplitWeights('s4b', 'podinfo')).toEqual({ primary: 100, canary: 0 });
    expect((await env.canaryEvents('s4b', 'podinfo')).map(e => e.message)).toContain(
      'Rolling back podinfo.s4b manual webhook invoked',
    );

    // confirm-promotion: WaitingPromotion after the last step, Promoting once opened.
    await env.waitPhase('s4a', 'podinfo', 'WaitingPromotion', 40_000);
    await new Promise(r => setTimeout(r, 4_000));
    expect((await env.canary('s4a', 'podinfo')).status?.phase).toBe('WaitingPromotion');
    gates.set('/s4a/promotion', true);
    await env.waitPhase('s4a', 'podinfo', 'Succeeded', 30_000);

    // An unreachable confirm-traffic-increase hook halts every tick without restarting or failing the analysis.
    const halted = await env.canary('s4c', 'podinfo');
    expect(halted.status).toMatchObject({ phase: 'Progressing', failedChecks: 0 });
    const weight = halted.status?.canaryWeight;
    expect(weight).toBeLessThanOrEqual(10);
    const events = await env.canaryEvents('s4c', 'podinfo');
    const halt = events.find(e => e.message === 'Halt podinfo.s4c advancement waiting for traffic increase approval traffic');
    expect(halt?.count).toBeGreaterThanOrEqual(3);
    expect(events.filter(e => e.message.startsWith('New revision detected! Restarting'))).toEqual([]);
    // Pointing the hook at an open gate lets the same run continue from where it stood.
    gates.set('/s4c/traffic', true);
    await env.patchCanary('s4c', 'podinfo', {
      spec: { analysis: { webhooks: [hook('confirm-traffic-increase', 'traffic', `${hookUrl}/s4c/traffic`)] } },
    });
    await env.waitPhase('s4c', 'podinfo', 'Succeeded', 40_000);
    const advances = (await env.canaryEvents('s4c', 'podinfo')).filter(e => e.message.includes('canary weight'));
    expect(advances.every(e => e.count === 1)).toBe(true);
  }, 180_000);
});
