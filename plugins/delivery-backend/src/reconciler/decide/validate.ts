import type { CanaryAnalysis } from '@delivery/plugin-delivery-common';
import type { RouterCapabilities } from '../types';
import { tickStrategy } from './settings';

/**
 * Canary specs the controller refuses to run. Flagger silently loops on some of them (mirroring on a router that
 * cannot mirror re-runs the mirror step forever; A/B on a router without matches sends every request to the
 * canary). We stop instead, and say which field to change.
 */

export interface SpecProblem {
  field: string;
  reason: string;
  message: string;
}

export function specProblems(
  analysis: CanaryAnalysis,
  provider: string,
  caps: RouterCapabilities,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  // The kubernetes provider has its own, Flagger-compatible fallbacks (blue/green, mirror ignored).
  if (provider === 'kubernetes') return problems;
  const strategy = tickStrategy(analysis);
  if (analysis.mirror && strategy !== 'ab-testing' && !caps.mirror) {
    problems.push({
      field: 'spec.analysis.mirror',
      reason: 'MirrorNotSupported',
      message:
        `spec.analysis.mirror: the ${provider} router cannot mirror traffic for the ${strategy} strategy, so the ` +
        'analysis would never get past its mirror step. Fix: remove spec.analysis.mirror (or set it to false), ' +
        'or use a provider that mirrors (istio; gatewayapi for blue/green).',
    });
  }
  if (strategy === 'ab-testing' && !caps.abMatch) {
    problems.push({
      field: 'spec.analysis.match',
      reason: 'MatchNotSupported',
      message:
        `spec.analysis.match: the ${provider} router cannot route by header or cookie, so A/B testing would send ` +
        'all traffic to the canary. Fix: remove spec.analysis.match to run blue/green, or use a provider that ' +
        'supports matches (istio, gatewayapi, nginx).',
    });
  }
  const affinity = analysis.sessionAffinity;
  if (affinity?.cookieName && affinity.cookieName === affinity.primaryCookieName) {
    problems.push({
      field: 'spec.analysis.sessionAffinity.primaryCookieName',
      reason: 'InvalidSessionAffinity',
      message:
        'spec.analysis.sessionAffinity.primaryCookieName must differ from cookieName. Fix: choose another ' +
        'primaryCookieName or remove it.',
    });
  }
  return problems;
}
