import { buildSummary } from '../fleet/summary';
import { generatedObjects } from '../fleet/details';
import { observedProjectorFor, projectorFor, reconcilerProjectorFor } from './projectors';
import { KINDS, KubeObject, ResourceKind } from './types';

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'podinfo',
    namespace: 'shop',
    resourceVersion: '7',
    labels: { app: 'podinfo', 'backstage.io/kubernetes-id': 'podinfo' },
    annotations: { 'deployment.kubernetes.io/revision': '3' },
  },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'podinfo' } },
    template: {
      metadata: { labels: { app: 'podinfo' }, annotations: { 'prometheus.io/scrape': 'true' } },
      spec: {
        containers: [
          { name: 'app', image: 'podinfo:6.1', env: [{ name: 'A', value: 'b' }], resources: { limits: { cpu: '1' } } },
        ],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    },
  },
  status: { replicas: 3, readyReplicas: 2, conditions: [{ type: 'Available', status: 'True' }] },
};

describe('observedProjectorFor', () => {
  it('keeps of a workload what the fleet shows and drops the rest of the pod template', () => {
    const slim = observedProjectorFor(KINDS.deployment)(deployment);
    // A flat record: readers see the Deployment's shape through its accessors, and it serializes as that shape.
    expect(slim.metadata.name).toBe('podinfo');
    expect(slim.metadata.labels).toEqual({ app: 'podinfo', 'backstage.io/kubernetes-id': 'podinfo' });
    expect(slim.status).toEqual({ replicas: 3, readyReplicas: 2 });
    expect(JSON.parse(JSON.stringify(slim))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'podinfo',
        namespace: 'shop',
        resourceVersion: '7',
        labels: { app: 'podinfo', 'backstage.io/kubernetes-id': 'podinfo' },
      },
      spec: { replicas: 3, template: { metadata: { labels: { app: 'podinfo' } }, spec: { containers: [{ name: 'app', image: 'podinfo:6.1' }] } } },
      status: { replicas: 3, readyReplicas: 2 },
    });
  });

  it('builds the same fleet row from a slim workload as from the full one', () => {
    const canary = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'podinfo', namespace: 'shop' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' } },
    } as never;
    const row = (target: KubeObject) => buildSummary({ cluster: 'c', canary, target, primary: target, events: [], now: 0 });
    expect(row(observedProjectorFor(KINDS.deployment)(deployment))).toEqual(row(deployment));
  });

  it('shows the same generated primary in details from a slim workload as from the full one', () => {
    const canary = {
      metadata: { name: 'podinfo', namespace: 'shop' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' } },
    } as never;
    const primary = { ...deployment, metadata: { ...deployment.metadata, name: 'podinfo-primary' } };
    const readerOf = (obj: KubeObject) => ({
      get: <T extends KubeObject>(kind: ResourceKind) => (kind === KINDS.deployment ? (obj as T) : undefined),
      list: () => [],
    });
    const shown = generatedObjects(canary, readerOf(observedProjectorFor(KINDS.deployment)(primary)))[0];
    expect(shown).toEqual(generatedObjects(canary, readerOf(primary))[0]);
    expect(shown.status).toBe('2/3 ready');
  });

  it('keeps of a Service its selector, ports, address and ownership', () => {
    const svc: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'podinfo-primary',
        namespace: 'shop',
        resourceVersion: '9',
        labels: { app: 'podinfo-primary' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        ownerReferences: [{ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', uid: 'u1' }],
      },
      spec: {
        type: 'ClusterIP',
        selector: { app: 'podinfo-primary' },
        ports: [{ name: 'http', port: 9898, targetPort: 9898 }],
        clusterIP: '10.0.0.3',
        clusterIPs: ['10.0.0.3'],
        sessionAffinity: 'None',
      },
      status: { loadBalancer: {} },
    };
    expect(observedProjectorFor(KINDS.service)(svc)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'podinfo-primary',
        namespace: 'shop',
        uid: undefined,
        resourceVersion: '9',
        labels: { app: 'podinfo-primary' },
        ownerReferences: [{ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', uid: 'u1' }],
      },
      spec: { selector: { app: 'podinfo-primary' }, ports: [{ name: 'http', port: 9898, targetPort: 9898 }], clusterIP: '10.0.0.3' },
    });
    // The reconciler diffs whole live Services, so where it runs they are kept whole.
    expect(projectorFor(KINDS.service)(svc).spec).toEqual(svc.spec);
  });

  it('leaves other kinds to the default projectors', () => {
    expect(observedProjectorFor(KINDS.metricTemplate)).toBe(projectorFor(KINDS.metricTemplate));
  });
});

describe('reconcilerProjectorFor', () => {
  const owner = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', uid: 'u1', controller: true };
  const primary: KubeObject = {
    ...deployment,
    metadata: { ...deployment.metadata, name: 'podinfo-primary', ownerReferences: [owner] },
  };

  it('keeps a target whole: its template is what promotion copies', () => {
    expect(reconcilerProjectorFor(KINDS.deployment)(deployment)).toEqual(deployment);
  });

  it('keeps of a primary everything but its pod spec, of which only container names and images stay', () => {
    const slim = reconcilerProjectorFor(KINDS.deployment)(primary) as typeof primary & { spec: Record<string, unknown> };
    expect(slim.metadata).toEqual(primary.metadata);
    expect(slim.status).toEqual(primary.status);
    expect(slim.spec).toEqual({
      replicas: 3,
      selector: { matchLabels: { app: 'podinfo' } },
      template: {
        metadata: { labels: { app: 'podinfo' }, annotations: { 'prometheus.io/scrape': 'true' } },
        spec: { containers: [{ name: 'app', image: 'podinfo:6.1' }] },
      },
    });
  });

  it('keeps Services and Canaries whole', () => {
    expect(reconcilerProjectorFor(KINDS.service)).toBe(projectorFor(KINDS.service));
    expect(reconcilerProjectorFor(KINDS.canary)).toBe(projectorFor(KINDS.canary));
  });
});
