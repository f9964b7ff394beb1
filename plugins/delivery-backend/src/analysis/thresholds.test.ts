import { evaluateThreshold } from './thresholds';

describe('evaluateThreshold', () => {
  it.each([
    [
      'success-rate',
      { threshold: 99 },
      98.5,
      false,
      'Halt p.t advancement success rate 98.50% < 99%',
    ],
    ['success-rate', {}, 0, true, undefined],
    [
      'duration',
      { threshold: 500 },
      501,
      false,
      'Halt p.t advancement request duration 501ms > 500ms',
    ],
    [
      'duration',
      {},
      1,
      false,
      'Halt p.t advancement request duration 1ms > 0s',
    ],
    [
      'duration',
      { thresholdRange: { min: 10 } },
      9,
      false,
      'Halt p.t advancement request duration 9ms < 10ms',
    ],
    ['duration', { thresholdRange: { max: 500.9 } }, 500, true, undefined],
    [
      'duration',
      { thresholdRange: { max: 500 } },
      Infinity,
      false,
      'Halt p.t advancement request duration +Inf > 500ms',
    ],
    ['custom', {}, 0.5, false, 'Halt p.t advancement m 0.50 > 0'],
    ['custom', {}, 0, true, undefined],
    ['custom', { thresholdRange: { min: 1, max: 2 } }, 2, true, undefined],
    [
      'custom',
      { thresholdRange: { min: 1.5 } },
      1,
      false,
      'Halt p.t advancement m 1.00 < 1.5',
    ],
    [
      'success-rate',
      { thresholdRange: { max: 99 } },
      99.999,
      false,
      'Halt p.t advancement success rate 100.00% > 99%',
    ],
  ] as const)(
    '%s %j with %d → passed %s',
    (kind, fields, value, passed, message) => {
      const outcome = evaluateThreshold(
        kind,
        { name: 'm', ...fields },
        value,
        'p.t',
      );
      expect(outcome.passed).toBe(passed);
      expect(outcome.message).toBe(message);
    },
  );
});
