import type { CanarySummary } from '@delivery/plugin-delivery-common';
import express from 'express';
import request from 'supertest';
import { CanaryMetrics, flaggerStrategy, statusValue } from './canaryMetrics';
import { metricValueFromEvent, parseGoDurationMs } from './eventValues';
import { createMetricsRouter } from './metricsRouter';

const ref = { cluster: 'dev', namespace: 'test', name: 'podinfo' };

function summary(over: Partial<CanarySummary>): CanarySummary {
  return {
    ...ref,
    strategy: 'canary',
    analysisSkipped: false,
    provider: 'linkerd',
    targetKind: 'Deployment',
    targetName: 'podinfo',
    phase: 'Initialized',
    canaryWeight: 0,
    iterations: 0,
    failedChecks: 0,
    threshold: 2,
    primaryImages: [],
    canaryImages: [],
    suspended: false,
    needsAttention: false,
    updatedAt: '2026-11-22T00:00:00Z',
    ...over,
  };
}

async function values(metrics: CanaryMetrics, name: string) {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values.map(v => ({
    labels: v.labels,
    value: v.value,
    metricName: (v as { metricName?: string }).metricName,
  }));
}

describe('CanaryMetrics', () => {
  let now = 0;
  const make = (
    o: Partial<ConstructorParameters<typeof CanaryMetrics>[0]> = {},
  ) => new CanaryMetrics({ meshProvider: 'linkerd', now: () => now, ...o });

  beforeEach(() => {
    now = 1_000_000;
  });

  it.each([
    ['Progressing', 0],
    ['Failed', 2],
    ['Succeeded', 1],
    ['WaitingPromotion', 1],
    ['Initialized', 1],
  ])('encodes phase %s as status %d', (phase, value) => {
    expect(statusValue(phase)).toBe(value);
  });

  it.each([
    ['canary', 'canary'],
    ['canary-mirroring', 'canary'],
    ['blue-green', 'blue-green'],
    ['blue-green-mirroring', 'blue-green'],
    ['ab-testing', 'ab-testing'],
  ] as const)('maps strategy %s to Flagger label %s', (strategy, label) => {
    expect(flaggerStrategy(strategy)).toBe(label);
  });

  it('sets status and primary/canary weights per workload, with a cluster label', async () => {
    const m = make();
    m.observe({
      ref,
      summary: summary({ phase: 'Progressing', canaryWeight: 40 }),
    });
    expect(await values(m, 'flagger_canary_status')).toEqual([
      {
        labels: { cluster: 'dev', name: 'podinfo', namespace: 'test' },
        value: 0,
        metricName: undefined,
      },
    ]);
    const weights = await values(m, 'flagger_canary_weight');
    expect(weights.map(w => [w.labels.workload, w.value])).toEqual([
      ['podinfo-primary', 60],
      ['podinfo', 40],
    ]);
    expect((await values(m, 'flagger_canary_total'))[0]).toMatchObject({
      labels: { cluster: 'dev', namespace: 'test' },
      value: 1,
    });
  });

  it('counts a run it watched end to end once, with its duration', async () => {
    const m = make();
    m.observe({ ref, summary: summary({ phase: 'Succeeded' }) });
    m.observe({
      ref,
      summary: summary({ phase: 'Progressing', canaryWeight: 20 }),
    });
    now += 90_000;
    m.observe({
      ref,
      summary: summary({ phase: 'Promoting', canaryWeight: 60 }),
    });
    m.observe({ ref, summary: summary({ phase: 'Succeeded' }) });
    // An unrelated update of a finished canary counts nothing more.
    m.observe({ ref, summary: summary({ phase: 'Succeeded', message: 'x' }) });
    const successes = await values(m, 'flagger_canary_successes_total');
    expect(successes).toEqual([
      {
        labels: {
          cluster: 'dev',
          name: 'podinfo',
          namespace: 'test',
          deployment_strategy: 'canary',
          analysis_status: 'completed',
        },
        value: 1,
        metricName: undefined,
      },
    ]);
    expect(await values(m, 'flagger_canary_failures_total')).toEqual([]);
    const duration = await values(m, 'flagger_canary_duration_seconds');
    expect(
      duration.find(d => d.metricName === 'flagger_canary_duration_seconds_sum')
        ?.value,
    ).toBe(90);
  });

  it('does not count a run whose transition happened before it was first seen', async () => {
    const m = make();
    m.observe({ ref, summary: summary({ phase: 'Failed' }) });
    expect(await values(m, 'flagger_canary_failures_total')).toEqual([]);
    expect((await values(m, 'flagger_canary_status'))[0].value).toBe(2);
  });

  it('counts a rollback as a failure with analysis_status skipped when analysis was skipped', async () => {
    const m = make();
    m.observe({ ref, summary: summary({ phase: 'Progressing' }) });
    m.observe({
      ref,
      summary: summary({ phase: 'Failed', analysisSkipped: true }),
    });
    expect(
      (await values(m, 'flagger_canary_failures_total'))[0].labels
        .analysis_status,
    ).toBe('skipped');
  });

  it('takes metric values from checks and from Flagger threshold events', async () => {
    const m = make();
    m.observe({ ref, summary: summary({ phase: 'Progressing' }) });
    m.recordCheck(ref, {
      time: 't',
      kind: 'metric',
      name: 'request-duration',
      value: 87,
      passed: true,
    });
    m.recordCheck(ref, {
      time: 't',
      kind: 'webhook',
      name: 'load-test',
      passed: true,
    });
    m.observeEvent('dev', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e1', namespace: 'test' },
      involvedObject: { kind: 'Canary', name: 'podinfo', namespace: 'test' },
      message: 'Halt podinfo.test advancement success rate 80.12% < 99%',
    });
    const analysis = await values(m, 'flagger_canary_metric_analysis');
    expect(analysis.map(a => [a.labels.metric, a.value])).toEqual([
      ['request-duration', 87],
      ['request-success-rate', 80.12],
    ]);
  });

  it('bounds cardinality: per-canary series up to the limit, metric names per canary too', async () => {
    const m = make({ maxCanaries: 1, maxMetricsPerCanary: 1 });
    const other = { ...ref, name: 'other' };
    m.observe({ ref, summary: summary({}) });
    m.observe({ ref: other, summary: summary({ ...other }) });
    expect(
      (await values(m, 'flagger_canary_status')).map(v => v.labels.name),
    ).toEqual(['podinfo']);
    expect((await values(m, 'flagger_canary_total'))[0].value).toBe(2);
    expect(
      (await values(m, 'delivery_metrics_canaries_without_series'))[0].value,
    ).toBe(1);
    m.recordCheck(ref, {
      time: 't',
      kind: 'metric',
      name: 'a',
      value: 1,
      passed: true,
    });
    m.recordCheck(ref, {
      time: 't',
      kind: 'metric',
      name: 'b',
      value: 2,
      passed: true,
    });
    expect(
      (await values(m, 'flagger_canary_metric_analysis')).map(
        v => v.labels.metric,
      ),
    ).toEqual(['a']);
  });

  it('removes every series of a deleted canary', async () => {
    const m = make();
    m.observe({ ref, summary: summary({ phase: 'Progressing' }) });
    m.recordCheck(ref, {
      time: 't',
      kind: 'metric',
      name: 'request-duration',
      value: 1,
      passed: true,
    });
    m.observe({ ref, summary: summary({ phase: 'Failed' }) });
    m.observe({ ref });
    for (const name of [
      'flagger_canary_status',
      'flagger_canary_weight',
      'flagger_canary_metric_analysis',
      'flagger_canary_failures_total',
      'flagger_canary_total',
    ]) {
      expect(await values(m, name)).toEqual([]);
    }
  });

  it('serves the exposition format on GET /metrics', async () => {
    const m = make();
    m.observe({
      ref,
      summary: summary({ phase: 'Progressing', canaryWeight: 20 }),
    });
    const app = express().use(createMetricsRouter(m));
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain(
      'flagger_canary_weight{cluster="dev",namespace="test",workload="podinfo"} 20',
    );
    expect(res.text).toContain(
      'flagger_info{version="delivery",mesh_provider="linkerd"} 1',
    );
  });
});

describe('metric values from Flagger events', () => {
  it.each([
    [
      'Halt podinfo.test advancement success rate 61.39% < 99%',
      { metric: 'request-success-rate', value: 61.39 },
    ],
    [
      'Halt podinfo.test advancement request duration 1.2s > 500ms',
      { metric: 'request-duration', value: 1200 },
    ],
    [
      'Halt podinfo.test advancement request duration 1m2.5s > 500ms',
      { metric: 'request-duration', value: 62500 },
    ],
    [
      'Halt podinfo.test advancement error-ratio 6.20 > 3',
      { metric: 'error-ratio', value: 6.2 },
    ],
    [
      'Halt podinfo.test advancement waiting for promotion approval gate',
      undefined,
    ],
    [
      'Halt advancement no values found for linkerd metric request-success-rate probably podinfo.test is not receiving traffic',
      undefined,
    ],
    ['Advance podinfo.test canary weight 20', undefined],
    [undefined, undefined],
  ])('%s', (message, expected) => {
    expect(metricValueFromEvent(message)).toEqual(expected);
  });

  it.each([
    ['850ms', 850],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['12', undefined],
    ['1sx', undefined],
  ])('parseGoDurationMs(%s) = %p', (text, ms) => {
    expect(parseGoDurationMs(text)).toBe(ms);
  });
});
