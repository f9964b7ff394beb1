import { Canary } from '@delivery/plugin-delivery-common';
import { KubeEvent, RowContext, buildSummary, rebuildSummary } from '../fleet/summary';
import { CanaryRecord, canaryRecordCompactor, factsOf, fullCanary } from './compactCanary';
import { projectorFor } from './projectors';
import { KINDS, KubeObject } from './types';

const base: Canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: {
    name: 'podinfo',
    namespace: 'shop',
    uid: 'u-1',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { app: 'podinfo' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":true}', team: 'shop' },
  },
  spec: {
    provider: 'linkerd',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898, name: 'podinfo-svc' },
    progressDeadlineSeconds: 60,
    analysis: {
      interval: '30s',
      threshold: 3,
      maxWeight: 40,
      stepWeight: 20,
      metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }],
      webhooks: [{ name: 'load', url: 'http://loadtester/', type: 'rollout' }],
    },
  },
  status: {
    phase: 'Progressing',
    canaryWeight: 20,
    iterations: 0,
    failedChecks: 1,
    lastAppliedSpec: 'abc',
    lastPromotedSpec: 'def',
    lastTransitionTime: '2026-01-01T00:10:00Z',
    trackedConfigs: { 'podinfo-config': 'x' },
    conditions: [
      { type: 'Promoted', status: 'Unknown', reason: 'Progressing', message: 'New revision detected', lastUpdateTime: '2026-01-01T00:09:00Z', lastTransitionTime: '2026-01-01T00:09:00Z' },
    ],
  },
};

const variants: Array<[string, Canary]> = [
  ['canary', base],
  ['A/B testing', { ...base, spec: { ...base.spec, analysis: { ...base.spec.analysis, iterations: 5, match: [{ headers: { 'x-canary': { exact: 'on' } } }] } } }],
  ['blue/green mirroring', { ...base, spec: { ...base.spec, analysis: { iterations: 4, mirror: true, interval: '1m' } } }],
  ['step weights, suspended', { ...base, spec: { ...base.spec, suspend: true, analysis: { stepWeights: [5, 25, 60] } } }],
  ['deprecated canaryAnalysis', { ...base, spec: { ...base.spec, analysis: undefined, canaryAnalysis: { maxWeight: 30, stepWeight: 15 } } }],
  ['skipAnalysis, no status', { ...base, spec: { ...base.spec, skipAnalysis: true }, status: undefined }],
  ['stuck (old transition)', { ...base, status: { ...base.status, lastTransitionTime: '2025-12-01T00:00:00Z' } }],
];

const warning = (message: string, time: string): KubeEvent => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `e-${time}`, namespace: 'shop' },
  type: 'Warning',
  reason: 'Synced',
  message,
  lastTimestamp: time,
});
const workload = (name: string, image: string): KubeObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', labels: { app: name } },
    spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
  }) as KubeObject;

describe('compact canaries', () => {
  const compact = (c: Canary) => canaryRecordCompactor()(projectorFor(KINDS.canary)(c as unknown as KubeObject));
  const before: RowContext = { events: [], now: Date.parse('2026-01-01T00:10:30Z') };
  const after: RowContext = {
    target: workload('podinfo', 'podinfo:2'),
    primary: workload('podinfo-primary', 'podinfo:1'),
    events: [warning('halt: metrics server unreachable', '2026-01-01T00:11:00Z')],
    entityRefs: ['component:default/podinfo'],
    now: Date.parse('2026-01-01T00:12:00Z'),
  };

  it.each(variants)('%s: a row rebuilt from the previous row and the record equals one built from the whole canary', (_name, canary) => {
    const record = compact(canary);
    const previous = buildSummary({ ...before, cluster: 'c', canary });
    const rebuilt = rebuildSummary(previous, factsOf(record), after);
    expect(rebuilt).toEqual(buildSummary({ ...after, cluster: 'c', canary }));
    // The same with no events: the message is the Promoted condition's.
    expect(rebuildSummary(previous, factsOf(record), { ...after, events: [] })).toEqual(
      buildSummary({ ...after, events: [], cluster: 'c', canary }),
    );
  });

  it('keeps identity and row facts as fields and everything else only deflated', () => {
    const record = compact(base) as CanaryRecord;
    expect(record).toBeInstanceOf(CanaryRecord);
    expect(record.metadata).toMatchObject({ name: 'podinfo', namespace: 'shop', uid: 'u-1', resourceVersion: '42' });
    expect(factsOf(record)).toMatchObject({
      targetKind: 'Deployment',
      targetName: 'podinfo',
      promotedMessage: 'New revision detected',
      promotedUpdateTime: '2026-01-01T00:09:00Z',
      stuckAfterSeconds: 90,
    });
    expect(Object.keys(record)).not.toEqual(expect.arrayContaining(['spec']));
    expect(Object.keys(record)).not.toEqual(expect.arrayContaining(['status']));
  });

  it('inflates to the whole projected canary, without the last-applied annotation', () => {
    const stored = compact(base);
    const { 'kubectl.kubernetes.io/last-applied-configuration': _dropped, ...annotations } = base.metadata.annotations!;
    const whole = { ...base, metadata: { ...base.metadata, annotations } };
    expect(fullCanary(stored)).toEqual(whole);
    expect(JSON.parse(JSON.stringify(stored))).toEqual(whole);
  });

  it('hands back a canary kept whole as it is', () => {
    expect(fullCanary(base as unknown as KubeObject)).toBe(base);
    expect(fullCanary(undefined)).toBeUndefined();
  });

  it('keeps non-ASCII text intact through deflate', () => {
    const c = { ...base, metadata: { ...base.metadata, annotations: { note: 'déploiement 🚀 ünïcode' } } };
    expect(fullCanary(compact(c))?.metadata.annotations).toEqual({ note: 'déploiement 🚀 ünïcode' });
  });
});
