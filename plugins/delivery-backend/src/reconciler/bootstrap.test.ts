import type { Canary } from '@delivery/plugin-delivery-common';
import {
  buildPrimary,
  desiredService,
  discoveredPorts,
  includeByPrefix,
  mergeService,
  promotedPrimary,
  selectorLabelOf,
} from './bootstrap';
import type { ServiceObject, Workload } from './types';

const canary: Canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test', uid: 'uid-1' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 80, targetPort: 9898, primary: { labels: { tier: 'stable' } } },
  },
};

const target: Workload = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'podinfo',
    namespace: 'test',
    labels: { app: 'podinfo', 'team.io/owner': 'a', 'kustomize.toolkit.fluxcd.io/name': 'apps' },
    annotations: { note: 'x', 'kustomize.toolkit.fluxcd.io/checksum': 'y' },
  },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: 'podinfo' } },
    progressDeadlineSeconds: 120,
    template: {
      metadata: { labels: { app: 'podinfo', version: 'v2' }, annotations: { 'flagger-id': 'old', 'prometheus.io/scrape': 'true' } },
      spec: {
        containers: [
          { name: 'app', image: 'podinfo:2', ports: [{ name: 'http', containerPort: 9898 }, { containerPort: 9999 }] },
          { name: 'istio-proxy', image: 'proxy', ports: [{ containerPort: 15090 }] },
        ],
        topologySpreadConstraints: [{ labelSelector: { matchLabels: { app: 'podinfo' } }, maxSkew: 1 }],
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['other', 'podinfo'] }] } },
            ],
          },
        },
      },
    },
  },
};

const selector = { label: 'app', value: 'podinfo' };
const input = {
  canary,
  target,
  selector,
  tracked: [],
  selectorLabels: ['app', 'name'],
  includeLabelPrefix: ['team.io'],
  flaggerId: 'new-id',
};

describe('primary workload', () => {
  it('finds the selector label in the configured order', () => {
    expect(selectorLabelOf(target, ['name', 'app'])).toEqual(selector);
    expect(selectorLabelOf(target, ['name'])).toBeUndefined();
  });

  it('is built with primary labels, a fresh flagger-id, owner reference and retargeted selectors', () => {
    const primary = buildPrimary(input);
    expect(primary.metadata).toEqual({
      name: 'podinfo-primary',
      namespace: 'test',
      labels: { 'team.io/owner': 'a', app: 'podinfo-primary' },
      annotations: { note: 'x' },
      ownerReferences: [
        { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
      ],
    });
    expect(primary.spec.replicas).toBe(1);
    expect(primary.spec.progressDeadlineSeconds).toBe(120);
    expect(primary.spec.selector).toEqual({ matchLabels: { app: 'podinfo-primary' } });
    expect(primary.spec.template.metadata).toEqual({
      labels: { app: 'podinfo-primary', version: 'v2' },
      annotations: { 'prometheus.io/scrape': 'true', 'flagger-id': 'new-id' },
    });
    expect(primary.spec.template.spec!.topologySpreadConstraints![0].labelSelector).toEqual({ matchLabels: { app: 'podinfo-primary' } });
    expect(
      primary.spec.template.spec!.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution![0].labelSelector!
        .matchExpressions![0].values,
    ).toEqual(['other', 'podinfo-primary']);
    // The target is not modified.
    expect(target.spec.template.spec!.topologySpreadConstraints![0].labelSelector).toEqual({ matchLabels: { app: 'podinfo' } });
  });

  it('is promoted with the target template; replicas follow the target only without an autoscaler', () => {
    const primary = { ...buildPrimary(input), status: { observedGeneration: 1 } };
    const scaled = { ...target, spec: { ...target.spec, replicas: 3 } };
    const promoted = promotedPrimary({ ...input, target: scaled, primary, flaggerId: 'id-2' });
    expect(promoted.spec.replicas).toBe(3);
    expect(promoted.spec.template.metadata!.annotations!['flagger-id']).toBe('id-2');
    expect(promoted.metadata.annotations).toEqual({});
    expect(promoted.status).toEqual({ observedGeneration: 1 });
    const withHpa = promotedPrimary({
      ...input,
      canary: { ...canary, spec: { ...canary.spec, autoscalerRef: { kind: 'HorizontalPodAutoscaler', name: 'podinfo' } } },
      target: scaled,
      primary,
    });
    expect(withHpa.spec.replicas).toBe(1);
  });
});

describe('includeByPrefix', () => {
  it.each<[string[], string[]]>([
    [[], []],
    [['*'], ['app', 'team.io/owner']],
    [['team'], ['team.io/owner']],
    [[''], []],
  ])('%j keeps %j (never toolkit keys)', (prefixes, keys) => {
    expect(Object.keys(includeByPrefix(target.metadata.labels, prefixes))).toEqual(keys);
  });
});

describe('services', () => {
  it('selects the canary pods for -canary and the primary pods for apex and -primary', () => {
    const svc = desiredService(canary, 'primary', selector);
    expect(svc).toMatchObject({
      metadata: {
        name: 'podinfo-primary',
        labels: { tier: 'stable', app: 'podinfo-primary' },
        annotations: {
          'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
          'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
        },
      },
      spec: { type: 'ClusterIP', selector: { app: 'podinfo-primary' }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 9898 }] },
    });
    expect(desiredService(canary, 'canary', selector).spec.selector).toEqual({ app: 'podinfo' });
    expect(desiredService(canary, 'apex', selector).metadata.name).toBe('podinfo');
  });

  it('discovers extra ports except sidecars and the service port', () => {
    expect(discoveredPorts(canary, target.spec.template.spec!.containers)).toEqual([
      { name: 'tcp-app-1', protocol: 'TCP', port: 9999, targetPort: 9999 },
    ]);
  });

  it('writes nothing when the observed service already matches', () => {
    const desired = desiredService(canary, 'apex', selector);
    expect(mergeService(undefined, desired, canary)).toBe(desired);
    expect(mergeService(structuredClone(desired), desired, canary)).toBeUndefined();
  });

  it('takes over a foreign apex service: selector and ports only, node ports kept', () => {
    const existing: ServiceObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'podinfo', namespace: 'test', labels: { own: 'yes' }, annotations: { keep: 'me' } },
      spec: { type: 'NodePort', selector: { app: 'podinfo' }, ports: [{ name: 'http', port: 80, targetPort: 9898, nodePort: 30080, protocol: 'TCP' }] },
    };
    const merged = mergeService(existing, desiredService(canary, 'apex', selector), canary)!;
    expect(merged.metadata.labels).toEqual({ own: 'yes' });
    expect(merged.metadata.annotations).toEqual({
      keep: 'me',
      'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
      'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
    });
    expect(merged.spec).toEqual({
      type: 'NodePort',
      selector: { app: 'podinfo-primary' },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 9898, nodePort: 30080 }],
    });
  });

  it('keeps unmanaged metadata on services it owns', () => {
    const withUnmanaged: Canary = { ...canary, spec: { ...canary.spec, service: { ...canary.spec.service, unmanagedMetadata: { annotations: ['ext'] } } } };
    const desired = desiredService(withUnmanaged, 'canary', selector);
    const existing = structuredClone(desired);
    existing.metadata.annotations = { ...existing.metadata.annotations, ext: 'v', stray: 'x' };
    const merged = mergeService(existing, desired, withUnmanaged)!;
    expect(merged.metadata.annotations).toEqual({ ...desired.metadata.annotations, ext: 'v' });
  });
});
