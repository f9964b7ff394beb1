import { KINDS } from '../../../../plugins/delivery-backend/src/kube/types'; // eslint-disable-line @backstage/no-relative-monorepo-imports
import { describeE2e } from '../lib/gate';
import { ReconcilerEnv } from '../lib/reconcilerEnv';

/**
 * Strategies and routers other than Linkerd, each in its own namespace so they run side by side on one cluster.
 * No metrics: these runs prove the traffic mechanics (the analysis itself is covered with Prometheus elsewhere).
 */

const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' };
const gatewayRefs = [{ name: 'public', namespace: 'gateways', group: 'gateway.networking.k8s.io', kind: 'Gateway' }];
const xCanary = [{ headers: { 'x-canary': { exact: 'insider' } } }];

describeE2e('reconciler: strategies on Gateway API, NGINX and kubernetes', () => {
  let env: ReconcilerEnv;
  const namespaces = ['gw-steps', 'ab-nginx', 'ab-gw', 'bg-kube', 'skip', 'suspend'];
  /** Every canaryWeight / iterations value each canary's status showed while progressing. */
  const seen = new Map<string, string[]>();
  /** Header routing ever seen on the NGINX canary Ingress. */
  const nginxHeaders = new Set<string>();

  beforeAll(async () => {
    env = await ReconcilerEnv.start({ name: 'rec-strategies' });
    const token = await env.serviceAccountToken();
    for (const ns of namespaces) await env.ensureNamespace(ns);
    await env.startReconciler({ token, identity: 'replica-1', namespaces, leaseName: 'delivery-reconciler' });
    env
      .observer()
      .watch({ kind: KINDS.canary })
      .subscribe(e => {
        const s = (e.object as any).status;
        if (!s || !['Progressing', 'WaitingPromotion'].includes(s.phase)) return;
        const ns = e.object.metadata.namespace!;
        const list = seen.get(ns) ?? [];
        const v = `w${s.canaryWeight}/i${s.iterations}`;
        if (list[list.length - 1] !== v) list.push(v);
        seen.set(ns, list);
      });
    env
      .observer()
      .watch({ kind: KINDS.ingress })
      .subscribe(e => {
        const a = e.object.metadata.annotations ?? {};
        const header = a['nginx.ingress.kubernetes.io/canary-by-header'];
        if (e.object.metadata.name === 'podinfo-canary' && header) {
          nginxHeaders.add(`${header}=${a['nginx.ingress.kubernetes.io/canary-by-header-value']}`);
        }
      });
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  async function run(ns: string, spec: Record<string, unknown>, before?: () => Promise<void>) {
    await env.createDeployment(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.0');
    await before?.();
    await env.createCanary(ns, 'podinfo', { targetRef: target, service: { port: 9898 }, ...spec });
    await env.waitPhase(ns, 'podinfo', 'Initialized', 60_000);
    await env.setImage(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.1');
  }

  const messages = async (ns: string) => (await env.canaryEvents(ns, 'podinfo')).map(e => e.message);
  const primaryImage = async (ns: string) =>
    (await env.deployment(ns, 'podinfo-primary')).spec.template.spec.containers[0].image;

  it('3: stepWeights on Gateway API, A/B on NGINX and Gateway API, blue/green on kubernetes, skipAnalysis', async () => {
    await Promise.all([
      run('gw-steps', {
        provider: 'gatewayapi:v1',
        service: { port: 9898, gatewayRefs },
        analysis: { interval: '1s', threshold: 2, stepWeights: [10, 20, 30, 40, 50, 60] },
      }),
      run(
        'ab-nginx',
        {
          provider: 'nginx',
          ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo' },
          analysis: { interval: '1s', threshold: 2, iterations: 3, match: xCanary },
        },
        () =>
          env.must({
            method: 'POST',
            path: '/apis/networking.k8s.io/v1/namespaces/ab-nginx/ingresses',
            body: {
              apiVersion: 'networking.k8s.io/v1',
              kind: 'Ingress',
              metadata: { name: 'podinfo', namespace: 'ab-nginx' },
              spec: {
                ingressClassName: 'nginx',
                rules: [
                  {
                    host: 'app.example.com',
                    http: {
                      paths: [
                        {
                          path: '/',
                          pathType: 'Prefix',
                          backend: { service: { name: 'podinfo', port: { number: 9898 } } },
                        },
                      ],
                    },
                  },
                ],
              },
            },
          }),
      ),
      run('ab-gw', {
        provider: 'gatewayapi:v1',
        service: { port: 9898, gatewayRefs },
        analysis: { interval: '1s', threshold: 2, iterations: 3, match: xCanary },
      }),
      run('bg-kube', { provider: 'kubernetes', analysis: { interval: '1s', threshold: 2, iterations: 3 } }),
      run('skip', {
        provider: 'linkerd',
        skipAnalysis: true,
        analysis: { interval: '1s', threshold: 2, maxWeight: 50, stepWeight: 10 },
      }),
    ]);

    // Gateway API with stepWeights: every listed weight in turn, then promotion.
    await env.waitPhase('gw-steps', 'podinfo', 'Succeeded', 60_000);
    const weights = (seen.get('gw-steps') ?? []).map(v => Number(/^w(\d+)/.exec(v)![1])).filter(w => w > 0);
    expect(weights).toEqual([10, 20, 30, 40, 50, 60]);
    expect(await primaryImage('gw-steps')).toMatch(/6\.0\.1$/);
    const route = await env.must<any>({
      path: '/apis/gateway.networking.k8s.io/v1/namespaces/gw-steps/httproutes/podinfo',
    });
    expect(route.spec.parentRefs[0]).toMatchObject({ name: 'public', namespace: 'gateways' });
    expect(route.spec.rules[0].backendRefs.map((b: any) => `${b.name}=${b.weight}`)).toEqual([
      'podinfo-primary=100',
      'podinfo-canary=0',
    ]);

    // A/B on NGINX: the canary Ingress routed by header during the run; iterations count up.
    await env.waitPhase('ab-nginx', 'podinfo', 'Succeeded', 60_000);
    expect([...nginxHeaders]).toEqual(['x-canary=insider']);
    expect(await messages('ab-nginx')).toEqual(
      expect.arrayContaining([1, 2, 3].map(i => `Advance podinfo.ab-nginx canary iteration ${i}/3`)),
    );

    // A/B on Gateway API: a header-matched rule to the canary next to the default rule.
    await env.waitPhase('ab-gw', 'podinfo', 'Succeeded', 60_000);
    const abRoute = await env.must<any>({
      path: '/apis/gateway.networking.k8s.io/v1/namespaces/ab-gw/httproutes/podinfo',
    });
    expect(JSON.stringify(abRoute.spec.rules)).toContain('"x-canary"');
    expect(await messages('ab-gw')).toEqual(
      expect.arrayContaining([1, 2, 3].map(i => `Advance podinfo.ab-gw canary iteration ${i}/3`)),
    );

    // Blue/green on kubernetes: iterations, then everything goes to the promoted primary.
    await env.waitPhase('bg-kube', 'podinfo', 'Succeeded', 60_000);
    expect(await messages('bg-kube')).toEqual(
      expect.arrayContaining([1, 2, 3].map(i => `Advance podinfo.bg-kube canary iteration ${i}/3`)),
    );
    expect(await primaryImage('bg-kube')).toMatch(/6\.0\.1$/);

    // skipAnalysis: straight to promotion, no weights.
    await env.waitPhase('skip', 'podinfo', 'Succeeded', 60_000);
    const skipped = await messages('skip');
    expect(skipped).toContain('Promotion completed! Canary analysis was skipped for podinfo.skip');
    expect(skipped.filter(m => m.includes('canary weight'))).toEqual([]);
    expect(await primaryImage('skip')).toMatch(/6\.0\.1$/);
  }, 240_000);

  it('3: suspend mid-run holds the canary; resume continues from the same weight', async () => {
    const ns = 'suspend';
    await run(ns, { provider: 'linkerd', analysis: { interval: '1s', threshold: 2, maxWeight: 50, stepWeight: 10 } });
    await env.waitFor('weight 20', async () => (await env.canary(ns, 'podinfo')).status?.canaryWeight === 20, 30_000, 50);
    await env.patchCanary(ns, 'podinfo', { spec: { suspend: true } });
    await new Promise(r => setTimeout(r, 1500)); // a tick in flight may still finish its step
    const held = (await env.canary(ns, 'podinfo')).status!;
    await new Promise(r => setTimeout(r, 4000));
    expect((await env.canary(ns, 'podinfo')).status).toMatchObject({
      phase: 'Progressing',
      canaryWeight: held.canaryWeight,
    });
    expect(await messages(ns)).toContain('skipping canary run as object is suspended');
    await env.patchCanary(ns, 'podinfo', { spec: { suspend: false } });
    await env.waitPhase(ns, 'podinfo', 'Succeeded', 30_000);
    const weights = (seen.get(ns) ?? []).map(v => Number(/^w(\d+)/.exec(v)![1])).filter(w => w > 0);
    expect(weights).toEqual([10, 20, 30, 40, 50]);
  }, 120_000);
});
