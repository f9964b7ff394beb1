import { CanaryEvent, MetricSpecView } from '@delivery/plugin-delivery-common';
import { imageParts, latestHaltReport, metricUnit, restingText, thresholdText } from '.';

const successRate: MetricSpecView = { name: 'request-success-rate', interval: '1m', thresholdMin: 99, source: 'builtin' };
const duration: MetricSpecView = { name: 'request-duration', interval: '30s', thresholdMax: 500, source: 'builtin' };
const custom: MetricSpecView = { name: 'error-ratio', interval: '1m', thresholdMax: 3, source: 'template' };

const event = (time: string, message: string, type: CanaryEvent['type'] = 'Warning'): CanaryEvent => ({
  time,
  type,
  reason: 'Synced',
  message,
  source: 'flagger',
});

// Texts as Flagger writes them (see the reference's event catalogue).
const events = [
  event('2025-06-01T17:15:00Z', 'Halt podinfo.test advancement success rate 97.10% < 99%'),
  event('2025-06-01T17:16:00Z', 'Halt podinfo.test advancement success rate 61.39% < 99%'),
  event('2025-06-01T17:16:30Z', 'Halt podinfo.test advancement request duration 1.2s > 500ms'),
  event('2025-06-01T17:17:00Z', 'Halt podinfo.test advancement error-ratio 6.20 > 3'),
  event('2025-06-01T17:18:00Z', 'Halt podinfo.test advancement waiting for promotion approval confirm-promotion'),
  event('2025-06-01T17:19:00Z', 'Advance podinfo.test canary weight 30', 'Normal'),
];

describe('latestHaltReport', () => {
  it.each([
    [successRate, 'success rate 61.39% < 99%'],
    [duration, 'request duration 1.2s > 500ms'],
    [custom, 'error-ratio 6.20 > 3'],
  ])('finds the latest verdict on %j', (metric, text) => {
    expect(latestHaltReport(metric, events)?.text).toBe(text);
  });

  it('reads the no-values texts of built-in and custom metrics', () => {
    const noValues = [
      event('2025-06-01T17:20:00Z', 'Halt advancement no values found for linkerd metric request-success-rate probably podinfo.test is not receiving traffic'),
      event('2025-06-01T17:21:00Z', 'Halt advancement no values found for custom metric: error-ratio: no values'),
    ];
    expect(latestHaltReport(successRate, noValues)?.text).toMatch(/^no values found for linkerd metric request-success-rate/);
    expect(latestHaltReport(custom, noValues)?.text).toBe('no values found for custom metric: error-ratio: no values');
    expect(latestHaltReport(duration, noValues)).toBeUndefined();
  });

  it('ignores gates, Normal events and events before the run', () => {
    const gates = events.filter(e => /waiting for/.test(e.message));
    expect(gates).toHaveLength(1);
    for (const metric of [successRate, duration, custom]) expect(latestHaltReport(metric, gates)).toBeUndefined();
    expect(latestHaltReport(successRate, events, '2025-06-01T17:16:01Z')).toBeUndefined();
    expect(latestHaltReport(successRate, [event('2025-06-01T17:16:00Z', 'Halt podinfo.test advancement success rate 61.39% < 99%', 'Normal')])).toBeUndefined();
  });
});

describe('units', () => {
  it('knows the units of the built-in metrics only', () => {
    expect(thresholdText(99, undefined, metricUnit(successRate))).toBe('≥ 99%');
    expect(thresholdText(undefined, 500, metricUnit(duration))).toBe('≤ 500 ms');
    expect(thresholdText(1, 3, metricUnit(custom))).toBe('1 – 3');
    expect(metricUnit({ name: 'request-duration', source: 'query' })).toBe('');
  });
});

describe('restingText', () => {
  it.each([
    ['Succeeded', 'promoted: all traffic on the primary'],
    ['Failed', 'rolled back: all traffic on the primary'],
    ['Initialized', 'no rollout in progress'],
  ] as const)('%s reads "%s"', (phase, text) => expect(restingText({ phase })).toBe(text));
});

describe('imageParts', () => {
  it.each([
    ['ghcr.io/stefanprodan/podinfo:6.5.1', ['ghcr.io/', 'stefanprodan/', 'podinfo', ':6.5.1']],
    ['registry.example:5000/cart@sha256:abc', ['registry.example', ':5000/', 'cart', '@sha256', ':abc']],
    ['nginx', ['nginx']],
  ])('%s breaks into %j', (image, parts) => {
    expect(imageParts(image)).toEqual(parts);
    expect(imageParts(image).join('')).toBe(image);
  });
});
