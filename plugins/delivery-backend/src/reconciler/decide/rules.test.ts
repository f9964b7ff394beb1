import type { CanaryAlert, CanaryMetric } from '@delivery/plugin-delivery-common';
import { DEFAULT_SETTINGS, HookCallResult, MetricOutcome } from '../types';
import { alertAccepts, alertRoute } from './alerts';
import { hasTargetChanged } from './changes';
import { TickContext } from './context';
import { webhookErrorText, webhookSucceeded } from './hooks';
import { judgeMetric, plannedMetrics } from './metrics';
import { analysisIntervalSeconds, analysisThreshold, strategyAnalysis } from './settings';
import { makeCanary } from './testing/world';
import { specProblems } from './validate';

/** Table tests for the rules the scenarios rely on. */

const ctx = new TickContext({
  observation: {
    canary: makeCanary({ interval: '1s' }),
    services: {},
    configMaps: {},
    secrets: {},
    provider: 'linkerd',
    routerCapabilities: { mirror: false, abMatch: false },
  },
  effects: { getRoutes: jest.fn(), callHook: jest.fn(), runMetric: jest.fn() },
  settings: { ...DEFAULT_SETTINGS, newId: () => 'x' },
  now: new Date('2026-01-01T00:00:00Z'),
});

describe('plannedMetrics', () => {
  it('runs built-ins and inline queries first, then templates, then reports unusable metrics', () => {
    const metrics: CanaryMetric[] = [
      { name: 'latency', templateRef: { name: 'latency' } },
      { name: 'request-success-rate', thresholdRange: { min: 99 } },
      { name: 'misconfigured' },
      { name: 'errors', query: 'sum(x)', interval: '2m' },
    ];
    expect(plannedMetrics({ metrics }).map(p => ('unusable' in p ? `unusable:${p.unusable.name}` : `${p.source}:${p.metric.name}@${p.interval}`))).toEqual([
      'builtin:request-success-rate@1m',
      'query:errors@2m',
      'template:latency@1m',
      'unusable:misconfigured',
    ]);
  });
});

describe('judgeMetric', () => {
  const rate: CanaryMetric = { name: 'request-success-rate', thresholdRange: { min: 99 } };
  const duration: CanaryMetric = { name: 'request-duration', thresholdRange: { max: 500 } };
  const custom: CanaryMetric = { name: 'error-rate', templateRef: { name: 'errors', namespace: 'flagger' }, thresholdRange: { max: 1 } };
  const legacy: CanaryMetric = { name: 'request-duration', threshold: 300 };
  const legacyRate: CanaryMetric = { name: 'request-success-rate', threshold: 95 };

  it.each<[string, CanaryMetric, 'builtin' | 'query' | 'template', MetricOutcome, boolean, string | undefined]>([
    ['rate ok', rate, 'builtin', { value: 99.5 }, true, undefined],
    ['rate low', rate, 'builtin', { value: 98.123 }, false, 'Halt podinfo.test advancement success rate 98.12% < 99%'],
    ['duration ok', duration, 'builtin', { value: 499.9 }, true, undefined],
    ['duration high', duration, 'builtin', { value: 612.7 }, false, 'Halt podinfo.test advancement request duration 612ms > 500ms'],
    ['legacy duration threshold', legacy, 'builtin', { value: 301 }, false, 'Halt podinfo.test advancement request duration 301ms > 300ms'],
    ['legacy rate threshold', legacyRate, 'builtin', { value: 90 }, false, 'Halt podinfo.test advancement success rate 90.00% < 95%'],
    ['template high', custom, 'template', { value: 1.5 }, false, 'Halt podinfo.test advancement error-rate 1.50 > 1'],
    [
      'builtin no values',
      rate,
      'builtin',
      { error: { class: 'no-values', detail: 'running query failed: no values found' } },
      false,
      'Halt advancement no values found for linkerd metric request-success-rate probably podinfo.test is not receiving traffic: running query failed: no values found',
    ],
    ['builtin unreachable', rate, 'builtin', { error: { class: 'provider-unreachable', detail: 'dial tcp: refused' } }, false, 'Prometheus query failed: dial tcp: refused'],
    ['inline no values', { name: 'errors', query: 'x' }, 'query', { error: { class: 'no-values', detail: '' } }, false, 'Halt advancement no values found for metric: errors'],
    [
      'template render',
      custom,
      'template',
      { error: { class: 'template-error', stage: 'render', detail: 'map has no entry for key "x"' } },
      false,
      'Metric template errors.flagger query render error: map has no entry for key "x"',
    ],
    [
      'template missing',
      custom,
      'template',
      { error: { class: 'template-error', stage: 'lookup', detail: 'metrictemplate "errors" not found' } },
      false,
      'Metric template errors.flagger error: metrictemplate "errors" not found',
    ],
    ['template timeout', custom, 'template', { error: { class: 'timeout', detail: 'context deadline exceeded' } }, false, 'Metric query failed for error-rate: context deadline exceeded'],
  ])('%s', (_name, metric, source, outcome, passed, event) => {
    const verdict = judgeMetric(ctx, { metric, source, interval: '1m' }, outcome);
    expect(verdict.passed).toBe(passed);
    expect(verdict.event).toBe(event);
    let errorClass: string | undefined;
    if ('error' in outcome) errorClass = outcome.error.class;
    else if (!passed) errorClass = 'threshold';
    expect(verdict.check.errorClass).toBe(errorClass);
  });
});

describe('webhook success rule', () => {
  it.each<[HookCallResult, boolean, string]>([
    [{ status: 200, body: 'OK' }, true, 'OK'],
    [{ status: 202 }, true, ''],
    [{ status: 203, body: 'partial' }, false, 'partial'],
    [{ status: 204 }, false, ''],
    [{ status: 403, body: 'Forbidden' }, false, 'Forbidden'],
    [{ error: 'POST http://x giving up after 3 attempt(s)' }, false, 'POST http://x giving up after 3 attempt(s)'],
    [{ error: 'context deadline exceeded', timedOut: true }, false, 'context deadline exceeded'],
  ])('%j → %s', (result, ok, text) => {
    expect(webhookSucceeded(result)).toBe(ok);
    expect(webhookErrorText(result)).toBe(text);
  });
});

describe('alert routing', () => {
  it.each<[CanaryAlert['severity'], Array<'info' | 'warn' | 'error'>]>([
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
    ['', ['info', 'warn', 'error']],
    [undefined, ['info', 'warn', 'error']],
  ])('severity %j receives %j', (severity, receives) => {
    const entry: CanaryAlert = { name: 'a', severity, providerRef: { name: 'slack' } };
    expect((['info', 'warn', 'error'] as const).filter(s => alertAccepts(entry, s))).toEqual(receives);
  });

  it('uses the global notifier only when the canary has no alerts', () => {
    expect(alertRoute(makeCanary({}), 'info')).toEqual({ kind: 'global' });
    const canary = makeCanary({
      alerts: [
        { name: 'on-call', severity: 'error', providerRef: { name: 'pager', namespace: 'ops' } },
        { name: 'team', severity: 'warn', providerRef: { name: 'slack' } },
      ],
    });
    expect(alertRoute(canary, 'info')).toEqual({ kind: 'providers', providers: [] });
    expect(alertRoute(canary, 'error')).toEqual({
      kind: 'providers',
      providers: [
        { alert: 'on-call', name: 'pager', namespace: 'ops' },
        { alert: 'team', name: 'slack', namespace: 'test' },
      ],
    });
  });
});

describe('settings', () => {
  it.each<[string | undefined, number, number]>([
    [undefined, 10, 60],
    ['5s', 10, 10],
    ['5s', 1, 5],
    ['1m30s', 10, 90],
    ['bogus', 1, 60],
  ])('interval %j with floor %d → %d s', (interval, floor, expected) => {
    expect(analysisIntervalSeconds(makeCanary({ interval }).spec, floor)).toBe(expected);
  });

  it.each([
    [undefined, 1],
    [-3, 1],
    [0, 1],
    [5, 5],
  ])('threshold %j → %d', (threshold, expected) => {
    expect(analysisThreshold({ threshold })).toBe(expected);
  });

  it('forces blue/green with 10 iterations for the kubernetes provider', () => {
    expect(strategyAnalysis({ stepWeight: 10, match: [{}] }, 'kubernetes')).toEqual({
      analysis: { stepWeight: 10, match: undefined, iterations: 10 },
      warnings: ['no-ab', 'no-progressive'],
    });
    expect(strategyAnalysis({ iterations: 3 }, 'kubernetes').warnings).toEqual([]);
    expect(strategyAnalysis({ stepWeight: 10 }, 'istio').warnings).toEqual([]);
  });
});

describe('change detection and validation', () => {
  it.each<[string | undefined, string | undefined, string, boolean]>([
    [undefined, undefined, 'd1-a', true],
    ['d1-a', 'd1-a', 'd1-a', false],
    ['d1-b', 'd1-a', 'd1-a', false],
    ['d1-b', 'd1-a', 'd1-b', false],
    ['d1-b', 'd1-a', 'd1-c', true],
  ])('applied %j promoted %j current %j → %j', (lastAppliedSpec, lastPromotedSpec, hash, expected) => {
    expect(hasTargetChanged({ lastAppliedSpec, lastPromotedSpec }, hash)).toBe(expected);
  });

  it.each<[string, Parameters<typeof specProblems>, string[]]>([
    ['mirror without router support', [{ stepWeight: 10, mirror: true }, 'linkerd', { mirror: false, abMatch: false }], ['spec.analysis.mirror']],
    ['mirror with support', [{ stepWeight: 10, mirror: true }, 'istio', { mirror: true, abMatch: true }], []],
    ['mirror on kubernetes is ignored', [{ iterations: 2, mirror: true }, 'kubernetes', { mirror: false, abMatch: false }], []],
    ['A/B without matches', [{ iterations: 2, match: [{}] }, 'linkerd', { mirror: false, abMatch: false }], ['spec.analysis.match']],
    [
      'same session cookies',
      [{ stepWeight: 5, sessionAffinity: { cookieName: 'c', primaryCookieName: 'c' } }, 'istio', { mirror: true, abMatch: true }],
      ['spec.analysis.sessionAffinity.primaryCookieName'],
    ],
  ])('%s', (_name, args, fields) => {
    expect(specProblems(...args).map(p => p.field)).toEqual(fields);
  });
});
