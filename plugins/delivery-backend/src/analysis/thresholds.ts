import type {
  CanaryMetric,
  CheckErrorClass,
} from '@delivery/plugin-delivery-common';
import { formatGoDuration, formatGoFixed, formatGoFloat } from './goFormat';

/** Flagger's threshold semantics for the three kinds of metric, with its event texts. */

export type ThresholdKind = 'success-rate' | 'duration' | 'custom';

export interface Outcome {
  passed: boolean;
  value?: number;
  errorClass?: CheckErrorClass;
  message?: string;
  thresholdMin?: number;
  thresholdMax?: number;
}

/**
 * Flagger's comparison: `thresholdRange` bounds are inclusive; without it the deprecated `threshold` (default 0) is
 * a minimum for success rate and a maximum otherwise, so a custom metric with neither fails whenever it is > 0.
 */
export function evaluateThreshold(
  kind: ThresholdKind,
  metric: CanaryMetric,
  value: number,
  canaryId: string,
): Outcome {
  const halt = `Halt ${canaryId} advancement`;
  const fmt = (v: number) =>
    kind === 'duration' ? formatGoDuration(v) : formatGoFixed(v, 2);
  const bound = (v: number) =>
    kind === 'duration' ? formatGoDuration(Math.trunc(v)) : formatGoFloat(v);
  const subject = {
    'success-rate': 'success rate',
    duration: 'request duration',
    custom: metric.name,
  }[kind];
  const pct = kind === 'success-rate' ? '%' : '';
  const text = (op: '<' | '>', limit: number) =>
    `${halt} ${subject} ${fmt(value)}${pct} ${op} ${bound(limit)}${pct}`;
  const limitOf = (v: number) => (kind === 'duration' ? Math.trunc(v) : v);

  const range = metric.thresholdRange;
  if (range) {
    const thresholds = { thresholdMin: range.min, thresholdMax: range.max };
    if (range.min !== undefined && value < limitOf(range.min)) {
      return {
        passed: false,
        value,
        errorClass: 'threshold',
        message: text('<', range.min),
        ...thresholds,
      };
    }
    if (range.max !== undefined && value > limitOf(range.max)) {
      return {
        passed: false,
        value,
        errorClass: 'threshold',
        message: text('>', range.max),
        ...thresholds,
      };
    }
    return { passed: true, value, ...thresholds };
  }
  const threshold = metric.threshold ?? 0;
  if (kind === 'success-rate') {
    return threshold > value
      ? {
          passed: false,
          value,
          errorClass: 'threshold',
          message: text('<', threshold),
          thresholdMin: threshold,
        }
      : { passed: true, value, thresholdMin: threshold };
  }
  return value > limitOf(threshold)
    ? {
        passed: false,
        value,
        errorClass: 'threshold',
        message: text('>', threshold),
        thresholdMax: threshold,
      }
    : { passed: true, value, thresholdMax: threshold };
}
