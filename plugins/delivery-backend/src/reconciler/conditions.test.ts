import type { CanaryCondition, CanaryPhase } from '@delivery/plugin-delivery-common';
import { conditionsForPhase, withInvalidSpec } from './conditions';

const NOW = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-01T00:05:00.000Z';

describe('Promoted condition', () => {
  it.each<[CanaryPhase, string, string]>([
    ['Initializing', 'Unknown', 'New Deployment detected, starting initialization.'],
    ['Initialized', 'True', 'Deployment initialization completed.'],
    ['Waiting', 'Unknown', 'Waiting for approval.'],
    ['WaitingPromotion', 'Unknown', 'Waiting for approval.'],
    ['Progressing', 'Unknown', 'New revision detected, progressing canary analysis.'],
    ['Promoting', 'Unknown', 'Canary analysis completed, starting primary rolling update.'],
    ['Finalising', 'Unknown', 'Canary analysis completed, routing all traffic to primary.'],
    ['Succeeded', 'True', 'Canary analysis completed successfully, promotion finished.'],
    ['Failed', 'False', 'Canary analysis failed, Deployment scaled to zero.'],
    ['Terminating', 'Unknown', 'New Deployment detected, starting initialization.'],
  ])('%s → %s "%s"', (phase, status, message) => {
    expect(conditionsForPhase(undefined, phase, 'Deployment', NOW)).toEqual([
      { type: 'Promoted', status, reason: phase, message, lastUpdateTime: NOW, lastTransitionTime: NOW },
    ]);
  });

  it('leaves the condition alone when status and reason are unchanged', () => {
    const current = conditionsForPhase(undefined, 'Progressing', 'Deployment', NOW);
    expect(conditionsForPhase(current, 'Progressing', 'Deployment', LATER)).toBeUndefined();
  });

  it('keeps lastTransitionTime when only the reason changes', () => {
    const current = conditionsForPhase(undefined, 'Progressing', 'Deployment', NOW);
    expect(conditionsForPhase(current, 'Promoting', 'Deployment', LATER)![0]).toMatchObject({
      reason: 'Promoting',
      lastUpdateTime: LATER,
      lastTransitionTime: NOW,
    });
    expect(conditionsForPhase(current, 'Succeeded', 'Deployment', LATER)![0].lastTransitionTime).toBe(LATER);
  });

  it('carries other condition types over', () => {
    const valid: CanaryCondition = { type: 'Valid', status: 'False', reason: 'X', message: 'm' };
    expect(conditionsForPhase([valid], 'Progressing', 'Deployment', NOW)!.map(c => c.type)).toEqual(['Promoted', 'Valid']);
  });
});

describe('Valid condition', () => {
  const problem = { reason: 'MirrorNotSupported', message: 'spec.analysis.mirror: …' };

  it('is added once and cleared when the spec is fixed', () => {
    const set = withInvalidSpec(undefined, problem, NOW)!;
    expect(set).toEqual([{ type: 'Valid', status: 'False', ...problem, lastUpdateTime: NOW, lastTransitionTime: NOW }]);
    expect(withInvalidSpec(set, problem, LATER)).toBeUndefined();
    expect(withInvalidSpec(set, undefined, LATER)).toEqual([]);
    expect(withInvalidSpec(undefined, undefined, LATER)).toBeUndefined();
  });
});
