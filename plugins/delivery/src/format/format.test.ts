import { AnalysisCheck, RolloutRun } from '@delivery/plugin-delivery-common';
import { ResponseError } from '@backstage/errors';
import { progressingCanary, abTestingCanary, succeededCanary, skipAnalysisCanary } from '../__fixtures__';
import {
  checkFailureReason,
  checksOfRun,
  currentRun,
  describeError,
  formatAbsolute,
  formatDuration,
  formatRelative,
  phaseInfo,
  progressText,
  strategyKind,
  thresholdText,
} from '.';

const check = (over: Partial<AnalysisCheck>): AnalysisCheck => ({
  time: '2025-06-02T09:00:00Z',
  kind: 'metric',
  name: 'request-success-rate',
  passed: false,
  ...over,
});

describe('checkFailureReason', () => {
  it.each([
    [check({ value: 91.3, thresholdMin: 99, errorClass: 'threshold' }), '91.3 is below the minimum 99'],
    [check({ value: 812, thresholdMax: 500 }), '812 is above the maximum 500'],
    [check({ errorClass: 'no-values' }), 'no values: the query returned nothing (no traffic to the canary?)'],
    [check({ errorClass: 'provider-unreachable', message: 'dial tcp: refused' }), 'metrics provider unreachable: dial tcp: refused'],
    [check({ kind: 'webhook', errorClass: 'webhook-error', message: '500 boom' }), 'webhook failed: 500 boom'],
    [check({ errorClass: 'timeout' }), 'timed out'],
    [check({ message: 'something else' }), 'something else'],
  ])('%#: %j reads "%s"', (input, expected) => {
    expect(checkFailureReason(input)).toBe(expected);
  });
});

describe('thresholdText', () => {
  it.each([
    [99, undefined, '≥ 99'],
    [undefined, 500, '≤ 500'],
    [0.5, 1.25, '0.5 – 1.25'],
    [undefined, undefined, 'no threshold'],
  ])('%s..%s → %s', (min, max, text) => expect(thresholdText(min, max)).toBe(text));
});

describe('runs and their checks', () => {
  const run = (id: string, startedAt: string, endedAt?: string): RolloutRun => ({
    id, cluster: 'c', namespace: 'n', name: 'x', canaryImages: [], primaryImages: [], startedAt, endedAt,
    outcome: endedAt ? 'succeeded' : 'running', maxWeightReached: 0, maxIterationReached: 0, actors: [],
  });

  it('prefers the running run, else the newest one', () => {
    const old = run('old', '2025-06-01T00:00:00Z', '2025-06-01T01:00:00Z');
    const newer = run('newer', '2025-06-02T00:00:00Z', '2025-06-02T01:00:00Z');
    expect(currentRun([old, newer])?.id).toBe('newer');
    expect(currentRun([newer, run('live', '2025-05-01T00:00:00Z')])?.id).toBe('live');
    expect(currentRun([])).toBeUndefined();
  });

  it('keeps only checks inside the run, oldest first, whatever the ISO formatting', () => {
    const r = run('r', '2025-06-02T08:56:00Z', '2025-06-02T09:00:00.000Z');
    const checks = [
      check({ time: '2025-06-02T09:00:00Z', value: 3 }),
      check({ time: '2025-06-02T08:55:59Z', value: 0 }),
      check({ time: '2025-06-02T08:57:00.000Z', value: 1 }),
      check({ time: '2025-06-02T09:00:01Z', value: 4 }),
    ];
    expect(checksOfRun(checks, r).map(c => c.value)).toEqual([1, 3]);
    expect(checksOfRun(checks, undefined)).toHaveLength(4);
  });
});

describe('time formatting', () => {
  const now = Date.parse('2025-06-02T09:00:00Z');
  it.each([
    ['2025-06-02T08:59:30Z', '30 seconds ago'],
    ['2025-06-02T08:55:00Z', '5 minutes ago'],
    ['2025-06-02T06:00:00Z', '3 hours ago'],
    ['2025-06-01T09:00:00Z', 'yesterday'],
    ['2025-06-02T09:10:00Z', 'in 10 minutes'],
  ])('%s is %s', (iso, text) => expect(formatRelative(iso, now)).toBe(text));

  it('is empty for missing or invalid times', () => {
    expect(formatRelative(undefined, now)).toBe('');
    expect(formatRelative('yesterday-ish', now)).toBe('');
    expect(formatAbsolute('nope')).toBe('');
  });

  it('shows absolute times in UTC without milliseconds', () => {
    expect(formatAbsolute('2025-06-02T09:00:00.123Z')).toBe('2025-06-02 09:00:00 UTC');
  });

  it.each([
    [45_000, '45s'],
    [570_000, '9m 30s'],
    [600_000, '10m'],
    [7_500_000, '2h 5m'],
    [-1, ''],
  ])('%s ms is "%s"', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('strategy and phase', () => {
  it('names no-analysis above the strategy', () => {
    expect(strategyKind(skipAnalysisCanary)).toBe('no-analysis');
    expect(strategyKind(abTestingCanary)).toBe('ab-testing');
  });

  it('describes progress in weights or iterations, and nothing when idle', () => {
    expect(progressText(progressingCanary)).toBe('30% (max 50%)');
    expect(progressText(abTestingCanary)).toBe('iteration 4 of 10');
    expect(progressText(succeededCanary)).toBeUndefined();
  });

  it('labels every phase in words', () => {
    expect(phaseInfo('WaitingPromotion')).toMatchObject({ label: 'Waiting for promotion', tone: 'waiting' });
    expect(phaseInfo('Failed').tone).toBe('error');
    expect(phaseInfo('')).toMatchObject({ label: 'Unknown' });
    expect(phaseInfo('SomethingNew')).toMatchObject({ label: 'SomethingNew', tone: 'idle' });
  });
});

describe('describeError', () => {
  it('adds the backend reason to an HTTP error', async () => {
    const response = new Response(
      JSON.stringify({ error: { name: 'NotAllowedError', message: 'denied by policy' }, response: { statusCode: 403 } }),
      { status: 403, statusText: 'Forbidden', headers: { 'Content-Type': 'application/json' } },
    );
    const error = await ResponseError.fromResponse(response);
    expect(describeError(error)).toBe('Request failed with 403 Forbidden: denied by policy');
    expect(describeError(new Error('plain'))).toBe('plain');
  });
});
