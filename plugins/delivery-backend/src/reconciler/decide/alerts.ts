import { Canary, CanaryAlert, effectiveAnalysis } from '@delivery/plugin-delivery-common';
import type { AlertSeverity } from '../types';
import { analysisThreshold, progressDeadlineSeconds, tickStrategy } from './settings';

/** Alert metadata and routing (f). Alerts leave the core as data; the notifier module sends them. */

/** Target / Failed checks threshold / Progress deadline / Traffic routing, formatted as Flagger does. */
export function alertFields(canary: Canary): Array<{ name: string; value: string }> {
  const analysis = effectiveAnalysis(canary.spec) ?? {};
  const fields = [
    {
      name: 'Target',
      value: `${canary.spec.targetRef.kind}/${canary.spec.targetRef.name}.${canary.metadata.namespace}`,
    },
    { name: 'Failed checks threshold', value: String(analysisThreshold(analysis)) },
    { name: 'Progress deadline', value: `${progressDeadlineSeconds(canary.spec)}s` },
  ];
  const strategy = tickStrategy(analysis);
  if (strategy === 'ab-testing') fields.push({ name: 'Traffic routing', value: 'A/B Testing' });
  else if (strategy === 'blue-green') fields.push({ name: 'Traffic routing', value: 'Blue/Green' });
  else if ((analysis.stepWeight ?? 0) > 0) {
    fields.push({
      name: 'Traffic routing',
      value: `Weight step: ${analysis.stepWeight} max: ${analysis.maxWeight ?? 0}`,
    });
  } else if ((analysis.stepWeights?.length ?? 0) > 0) {
    fields.push({
      name: 'Traffic routing',
      value: `Weight steps: ${analysis.stepWeights!.join(',')} max: ${analysis.maxWeight ?? 0}`,
    });
  }
  return fields;
}

/**
 * Whether an alert entry receives a message of `severity`: `info` gets everything, `warn` gets warn and error,
 * `error` gets error only. An empty severity is treated as `info`, as Flagger documents (v1.44 itself sends
 * nothing for it; see docs/reconciler-semantics.md).
 */
export function alertAccepts(entry: CanaryAlert, severity: AlertSeverity): boolean {
  const level = entry.severity || 'info';
  if (level === 'info') return true;
  if (level === 'warn') return severity === 'warn' || severity === 'error';
  return severity === 'error';
}

export type AlertRoute =
  | { kind: 'global' }
  | { kind: 'providers'; providers: Array<{ alert: string; name: string; namespace: string }> };

/**
 * Where an alert goes: the canary's own alert providers that accept the severity, or — only when the canary
 * declares no alerts at all — the controller's global notifier, which receives every severity.
 */
export function alertRoute(canary: Canary, severity: AlertSeverity): AlertRoute {
  const alerts = effectiveAnalysis(canary.spec)?.alerts ?? [];
  if (alerts.length === 0) return { kind: 'global' };
  return {
    kind: 'providers',
    providers: alerts
      .filter(a => alertAccepts(a, severity))
      .map(a => ({
        alert: a.name,
        name: a.providerRef.name,
        namespace: a.providerRef.namespace || canary.metadata.namespace || 'default',
      })),
  };
}
