import { AnalysisCheck, RolloutRun } from '@delivery/plugin-delivery-common';

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0$/, '');
}

/** "98.2 – 100", "≥ 99%", "≤ 500 ms": a metric's accepted range, in the metric's unit when it has one. */
export function thresholdText(min?: number, max?: number, unit = ''): string {
  if (min !== undefined && max !== undefined) return `${fmt(min)}${unit} – ${fmt(max)}${unit}`;
  if (min !== undefined) return `≥ ${fmt(min)}${unit}`;
  if (max !== undefined) return `≤ ${fmt(max)}${unit}`;
  return 'no threshold';
}

/** Why a check failed, in words a developer can act on, with the numbers when there are any. */
export function checkFailureReason(check: AnalysisCheck, unit = ''): string {
  switch (check.errorClass) {
    case 'no-values':
      return 'no values: the query returned nothing (no traffic to the canary?)';
    case 'provider-unreachable':
      return `metrics provider unreachable${check.message ? `: ${check.message}` : ''}`;
    case 'query-error':
      return `query failed${check.message ? `: ${check.message}` : ''}`;
    case 'template-error':
      return `metric template error${check.message ? `: ${check.message}` : ''}`;
    case 'timeout':
      return `timed out${check.message ? `: ${check.message}` : ''}`;
    case 'webhook-error':
      return `webhook failed${check.message ? `: ${check.message}` : ''}`;
    default:
      break;
  }
  if (check.value !== undefined) {
    if (check.thresholdMin !== undefined && check.value < check.thresholdMin) {
      return `${fmt(check.value)}${unit} is below the minimum ${fmt(check.thresholdMin)}${unit}`;
    }
    if (check.thresholdMax !== undefined && check.value > check.thresholdMax) {
      return `${fmt(check.value)}${unit} is above the maximum ${fmt(check.thresholdMax)}${unit}`;
    }
  }
  return check.message ?? 'failed';
}

/**
 * The run whose checks the charts show: the one in progress, else the most recent. Runs arrive newest first from
 * the backend, but sorting here keeps the UI right if that ever changes.
 */
export function currentRun(runs: RolloutRun[]): RolloutRun | undefined {
  const sorted = [...runs].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  return sorted.find(r => r.outcome === 'running') ?? sorted[0];
}

/** Checks recorded during `run` (all of them when there is no run to scope to), oldest first. */
export function checksOfRun(checks: AnalysisCheck[], run: RolloutRun | undefined): AnalysisCheck[] {
  const start = run ? Date.parse(run.startedAt) : -Infinity;
  const end = run?.endedAt ? Date.parse(run.endedAt) : Infinity;
  return checks
    .filter(c => Date.parse(c.time) >= start && Date.parse(c.time) <= end)
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}
