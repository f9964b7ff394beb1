import { goDuration, goFixed2, goFloat, texts } from './events';

/** Expected strings printed by Go 1.26 (fmt %v, %.2f, time.Duration.String). */

describe('Go number formatting', () => {
  it.each<[number, string]>([
    [100000, '100000'],
    [123456.7, '123456.7'],
    [999999, '999999'],
    [1000000, '1e+06'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [99, '99'],
    [99.5, '99.5'],
    [0.1, '0.1'],
    [1e21, '1e+21'],
    [-3.5, '-3.5'],
  ])('%%v of %d → %s', (v, expected) => {
    expect(goFloat(v)).toBe(expected);
  });

  it.each<[number, string]>([
    [55.055, '55.05'],
    [0.125, '0.12'],
    [0.135, '0.14'],
    [0.375, '0.38'],
    [2.675, '2.67'],
    [99.999, '100.00'],
    [1.005, '1.00'],
    [-0.125, '-0.12'],
  ])('%%.2f of %d → %s', (v, expected) => {
    expect(goFixed2(v)).toBe(expected);
  });

  it.each<[number, string]>([
    [0, '0s'],
    [0.000001, '1ns'],
    [0.0015, '1.5µs'],
    [1.5, '1.5ms'],
    [1234.56789, '1.23456789s'],
    [90_000, '1m30s'],
    [3_723_500, '1h2m3.5s'],
    [500, '500ms'],
    [2, '2ms'],
  ])('Duration of %d ms → %s', (ms, expected) => {
    expect(goDuration(ms)).toBe(expected);
  });
});

describe('event texts', () => {
  const ids = { name: 'podinfo', namespace: 'test', target: 'podinfo' };

  it.each<[string, string]>([
    [texts.successRateBelow(ids, 55.055, 99), 'Halt podinfo.test advancement success rate 55.05% < 99%'],
    [texts.durationAbove(ids, 1200, 500), 'Halt podinfo.test advancement request duration 1.2s > 500ms'],
    [texts.metricAbove(ids, 'error-rate', 2.5, 1), 'Halt podinfo.test advancement error-rate 2.50 > 1'],
    [
      texts.builtinNoValues('linkerd', 'request-success-rate', ids, 'no values found'),
      'Halt advancement no values found for linkerd metric request-success-rate probably podinfo.test is not receiving traffic: no values found',
    ],
    [
      texts.builtinNoValues('linkerd', 'request-duration', ids, undefined),
      'Halt advancement no values found for linkerd metric request-duration probably podinfo.test is not receiving traffic',
    ],
    [texts.copying(ids), 'Copying podinfo.test template spec to podinfo-primary.test'],
    [texts.waitingPromotion(ids, 'gate'), 'Halt podinfo.test advancement waiting for promotion approval gate'],
  ])('%s', (actual, expected) => {
    expect(actual).toBe(expected);
  });
});
