import { KINDS } from '../../../../plugins/delivery-backend/src/kube/types'; // eslint-disable-line @backstage/no-relative-monorepo-imports
import { describeE2e } from '../lib/gate';
import { ReconcilerEnv } from '../lib/reconcilerEnv';

/**
 * The primary HorizontalPodAutoscaler and revertOnDeletion on the local control plane (real kube-apiserver, the
 * HPA and garbage-collector controllers of kube-controller-manager), with the reconciler on the least-privilege
 * ServiceAccount. The HPA controller has no metrics server here; it still enforces minReplicas.
 */

const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' };
const FINALIZER = 'finalizer.flagger.app';

function hpa(ns: string, min: number, max: number) {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'podinfo', namespace: ns, labels: { team: 'web' } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      minReplicas: min,
      maxReplicas: max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    },
  };
}

/** Blue/green on the kubernetes provider with an autoscaler: promotion is what copies the target's scaler. */
const autoscaledCanary = (autoscalerRef: Record<string, string>, iterations: number) => ({
  provider: 'kubernetes',
  targetRef: target,
  autoscalerRef,
  service: { port: 9898 },
  analysis: { interval: '1s', threshold: 2, iterations },
});

/** Blue/green on the kubernetes provider: no router object, so the revert is about the target and the Services. */
const revertingCanary = {
  provider: 'kubernetes',
  targetRef: target,
  revertOnDeletion: true,
  service: { port: 9898 },
  analysis: { interval: '1s', threshold: 2, iterations: 1 },
};

describeE2e('reconciler: primary autoscaler and revertOnDeletion', () => {
  let env: ReconcilerEnv;
  let token: string;
  const namespaces = ['hpa', 'keda', 'revert', 'unfinalize'];
  let replica: Awaited<ReturnType<ReconcilerEnv['startReconciler']>>;

  beforeAll(async () => {
    env = await ReconcilerEnv.start({ name: 'rec-hpa-revert' });
    token = await env.serviceAccountToken();
    for (const ns of namespaces) await env.ensureNamespace(ns);
    replica = await env.startReconciler({ token, identity: 'replica-1', namespaces, leaseName: 'delivery-reconciler' });
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  const hpaPath = (ns: string, name = '') =>
    `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers${name ? `/${name}` : ''}`;
  const messages = async (ns: string) => (await env.canaryEvents(ns, 'podinfo')).map(e => `${e.type}: ${e.message}`);

  it('creates <hpa>-primary for <t>-primary and brings it in line with a changed target HPA on promotion', async () => {
    const ns = 'hpa';
    await env.createDeployment(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.0');
    await env.must({ method: 'POST', path: hpaPath(ns), body: hpa(ns, 2, 4) });
    const hpaRef = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' };
    await env.createCanary(ns, 'podinfo', autoscaledCanary(hpaRef, 2));
    await env.waitPhase(ns, 'podinfo', 'Initialized', 60_000);
    const canary = await env.canary(ns, 'podinfo');
    const primaryHpa = await env.must<any>({ path: hpaPath(ns, 'podinfo-primary') });
    expect(primaryHpa.metadata.labels).toEqual({ team: 'web' });
    expect(primaryHpa.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Canary', name: 'podinfo', uid: canary.metadata.uid, controller: true }),
    ]);
    expect(primaryHpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo-primary' },
      minReplicas: 2,
      maxReplicas: 4,
    });
    expect(primaryHpa.spec.metrics).toEqual(hpa(ns, 2, 4).spec.metrics);

    // A changed target HPA is not copied while idle; the next promotion copies it.
    await env.must({
      method: 'PATCH',
      path: hpaPath(ns, 'podinfo'),
      contentType: 'application/merge-patch+json',
      body: { spec: { minReplicas: 3, maxReplicas: 6 } },
    });
    await new Promise(r => setTimeout(r, 2_000));
    expect((await env.must<any>({ path: hpaPath(ns, 'podinfo-primary') })).spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });

    await env.setImage(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.1');
    await env.waitPhase(ns, 'podinfo', 'Progressing', 10_000);
    // The run scales the target from zero to the HPA's minimum.
    expect((await env.deployment(ns, 'podinfo')).spec.replicas).toBeGreaterThanOrEqual(3);
    await env.waitPhase(ns, 'podinfo', 'Succeeded', 90_000);
    expect((await env.must<any>({ path: hpaPath(ns, 'podinfo-primary') })).spec).toMatchObject({
      scaleTargetRef: { name: 'podinfo-primary' },
      minReplicas: 3,
      maxReplicas: 6,
    });
    expect((await env.deployment(ns, 'podinfo-primary')).spec.template.spec.containers[0].image).toMatch(/6\.0\.1$/);
  }, 180_000);

  it('KEDA: creates <so>-primary with primary queries, pauses the target ScaledObject while idle, resumes it for a run', async () => {
    // KEDA's CRD, enough for the API server to serve ScaledObjects (no KEDA operator runs here).
    await env.must({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'scaledobjects.keda.sh' },
        spec: {
          group: 'keda.sh',
          scope: 'Namespaced',
          names: { plural: 'scaledobjects', singular: 'scaledobject', kind: 'ScaledObject', listKind: 'ScaledObjectList' },
          versions: [
            {
              name: 'v1alpha1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          ],
        },
      },
    });
    const soPath = (name = '') => `/apis/keda.sh/v1alpha1/namespaces/keda/scaledobjects${name ? `/${name}` : ''}`;
    await env.waitFor('the ScaledObject CRD to be served', async () => (await env.cluster.request({ path: soPath() })).status === 200);
    const ns = 'keda';
    await env.createDeployment(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.0');
    await env.must({
      method: 'POST',
      path: soPath(),
      body: {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'podinfo', namespace: ns },
        spec: {
          scaleTargetRef: { name: 'podinfo' },
          minReplicaCount: 2,
          maxReplicaCount: 4,
          triggers: [
            {
              type: 'prometheus',
              name: 'rps',
              metadata: { serverAddress: 'http://prometheus:9090', query: 'sum(rate(http_requests_total{app="podinfo"}[1m]))', threshold: '10' },
            },
          ],
        },
      },
    });
    const soRef = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'podinfo' };
    await env.createCanary(ns, 'podinfo', autoscaledCanary(soRef, 1));
    await env.waitPhase(ns, 'podinfo', 'Initialized', 60_000);
    const paused = async () => (await env.must<any>({ path: soPath('podinfo') })).metadata.annotations?.['autoscaling.keda.sh/paused-replicas'];
    expect(await paused()).toBe('0');
    const primary = await env.must<any>({ path: soPath('podinfo-primary') });
    expect(primary.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Canary', name: 'podinfo' })]);
    expect(primary.spec.scaleTargetRef).toEqual({ name: 'podinfo-primary' });
    expect(primary.spec.triggers[0].metadata.query).toBe('sum(rate(http_requests_total{app="podinfo-primary"}[1m]))');

    await env.setImage(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.1');
    await env.waitPhase(ns, 'podinfo', 'Progressing', 10_000);
    expect(await paused()).toBeUndefined();
    expect((await env.deployment(ns, 'podinfo')).spec.replicas).toBe(2);
    await env.waitPhase(ns, 'podinfo', 'Succeeded', 90_000);
    expect(await paused()).toBe('0');
    expect((await env.deployment(ns, 'podinfo')).spec.replicas).toBe(0);
  }, 180_000);

  it('keeps the finalizer only while revertOnDeletion is true', async () => {
    const ns = 'unfinalize';
    await env.createDeployment(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.0');
    await env.createCanary(ns, 'podinfo', revertingCanary);
    const finalizers = async () => (await env.canary(ns, 'podinfo')).metadata.finalizers ?? [];
    await env.waitFor('the finalizer', async () => (await finalizers()).length > 0);
    expect(await finalizers()).toEqual([FINALIZER]);
    await env.patchCanary(ns, 'podinfo', { spec: { revertOnDeletion: false } });
    await env.waitFor('the finalizer to go', async () => (await finalizers()).length === 0);
    expect(await finalizers()).toEqual([]);
  }, 90_000);

  it('reverts a deleted canary across a reconciler restart: target back to the primary replicas, apex Service restored, Canary gone', async () => {
    const ns = 'revert';
    const selector = { app: 'podinfo', tier: 'web' };
    await env.createDeployment(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.0', {
      replicas: 2,
      template: {
        metadata: { labels: selector },
        spec: { containers: [{ name: 'podinfod', image: 'ghcr.io/stefanprodan/podinfo:6.0.0' }] },
      },
    });
    // The apex Service existed before the Canary (kubectl-applied): it is taken over, so it must be given back
    // with the selector kubectl applied, which the reconciler's cache never sees.
    const applied = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'podinfo', namespace: ns },
      spec: { selector, ports: [{ name: 'http', port: 9898, targetPort: 9898 }] },
    };
    await env.must({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/services`,
      body: {
        ...applied,
        metadata: {
          ...applied.metadata,
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) },
        },
      },
    });
    await env.createCanary(ns, 'podinfo', revertingCanary);
    await env.waitPhase(ns, 'podinfo', 'Initialized', 60_000);
    expect((await env.canary(ns, 'podinfo')).metadata.finalizers).toEqual([FINALIZER]);
    expect((await env.deployment(ns, 'podinfo')).spec.replicas).toBe(0);
    const service = () => env.must<any>({ path: `/api/v1/namespaces/${ns}/services/podinfo` });
    expect((await service()).spec.selector).toEqual({ app: 'podinfo-primary' });

    // The replica dies as soon as the revert has begun; a new one finishes it from what the cluster shows.
    let killed: Promise<void> | undefined;
    const off = env
      .observer()
      .watch({ kind: KINDS.canary })
      .subscribe(e => {
        const phase = (e.object as any).status?.phase;
        if (!killed && e.object.metadata.namespace === ns && phase === 'Terminating') killed = replica.kill();
      });
    await env.must({ method: 'DELETE', path: `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/podinfo` });
    await env.waitFor('phase Terminating', async () => killed !== undefined);
    await killed;
    off();
    replica = await env.startReconciler({ token, identity: 'replica-2', namespaces, leaseName: 'delivery-reconciler' });

    await env.waitFor(
      'the Canary to be gone',
      async () => (await env.cluster.request({ path: `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/podinfo` })).status === 404,
      90_000,
    );
    const restored = await env.deployment(ns, 'podinfo');
    expect(restored.spec.replicas).toBe(2);
    expect(restored.status.readyReplicas).toBe(2);
    expect((await service()).spec.selector).toEqual(selector);
    const events = await messages(ns);
    expect(events).toEqual(expect.arrayContaining(['Normal: Terminating canary podinfo.revert', 'Normal: Terminated canary podinfo.revert']));
    // The garbage collector removes what the Canary owned; the taken-over Service stays.
    await env.waitFor(
      'the primary to be collected',
      async () => (await env.cluster.request({ path: `/apis/apps/v1/namespaces/${ns}/deployments/podinfo-primary` })).status === 404,
      60_000,
    );
    expect((await service()).metadata.name).toBe('podinfo');
  }, 240_000);
});
