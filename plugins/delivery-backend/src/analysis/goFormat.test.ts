import { formatGoDuration, formatGoFixed, formatGoFloat } from './goFormat';

describe('formatGoDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [500, '500ms'],
    [1000, '1s'],
    [1200, '1.2s'],
    [30050, '30.05s'],
    [61000, '1m1s'],
    [90500, '1m30.5s'],
    [3_600_000, '1h0m0s'],
    [5_430_000, '1h30m30s'],
    [-1500, '-1.5s'],
    [Infinity, '+Inf'],
  ])('%d ms → %s', (ms, text) => expect(formatGoDuration(ms)).toBe(text));
});

describe('formatGoFloat (%v)', () => {
  it.each([
    [99, '99'],
    [99.5, '99.5'],
    [0.1, '0.1'],
    [123456, '123456'],
    [1e6, '1e+06'],
    [1234567.5, '1.2345675e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-3, '-3'],
  ])('%d → %s', (x, text) => expect(formatGoFloat(x)).toBe(text));
});

describe('formatGoFixed (%.2f)', () => {
  it.each([
    [61.3912, '61.39'],
    [99, '99.00'],
    [6.2, '6.20'],
    [0.125, '0.12'],
    [0.375, '0.38'],
    [2.675, '2.67'],
    [-0.125, '-0.12'],
    [1.005, '1.00'],
  ])('%d → %s', (x, text) => expect(formatGoFixed(x, 2)).toBe(text));
});
