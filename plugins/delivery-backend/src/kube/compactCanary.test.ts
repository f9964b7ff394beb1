import { Canary } from '@delivery/plugin-delivery-common';
import { buildSummary } from '../fleet/summary';
import { decideRun } from '../history/runTracker';
import { canaryHead, compactCanaryProjector, fullCanary } from './compactCanary';
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

describe('compact canaries', () => {
  const project = compactCanaryProjector(projectorFor(KINDS.canary));

  it.each(variants)('%s: the head builds the same fleet row and run actions as the whole canary', (_name, canary) => {
    const head = canaryHead(canary);
    const row = (c: Canary) =>
      buildSummary({ cluster: 'c', canary: c, events: [], now: Date.parse('2026-01-01T00:12:00Z') });
    expect(row(head)).toEqual(row(canary));
    expect(decideRun(undefined, head, row(head), 'now')).toEqual(decideRun(undefined, canary, row(canary), 'now'));
  });

  it('leaves metrics, webhooks, labels and other conditions out of the head', () => {
    const head = canaryHead(base);
    expect(head.spec.analysis).toEqual({ interval: '30s', threshold: 3, maxWeight: 40, stepWeight: 20 });
    expect(head.metadata.labels).toBeUndefined();
    expect(head.status?.trackedConfigs).toBeUndefined();
  });

  it('inflates to the whole projected canary, without the last-applied annotation', () => {
    const stored = project(base as unknown as KubeObject);
    expect(typeof (stored as { packed?: unknown }).packed).toBe('string');
    const { 'kubectl.kubernetes.io/last-applied-configuration': _dropped, ...annotations } = base.metadata.annotations!;
    expect(fullCanary(stored)).toEqual({ ...base, metadata: { ...base.metadata, annotations } });
  });

  it('hands back a canary kept whole as it is', () => {
    expect(fullCanary(base as unknown as KubeObject)).toBe(base);
    expect(fullCanary(undefined)).toBeUndefined();
  });

  it('keeps non-ASCII text intact through deflate', () => {
    const c = { ...base, metadata: { ...base.metadata, annotations: { note: 'déploiement 🚀 ünïcode' } } };
    expect(fullCanary(project(c as unknown as KubeObject))?.metadata.annotations).toEqual({ note: 'déploiement 🚀 ünïcode' });
  });
});
