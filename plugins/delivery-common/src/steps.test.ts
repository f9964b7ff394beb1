import {
  maxWeightOf,
  nextStepSize,
  parseDurationSeconds,
  plannedSteps,
  plannedWeights,
  strategyOf,
} from './steps';
import { CanaryAnalysis, CanarySpec } from './types/canary';

const spec = (analysis: CanaryAnalysis | undefined, extra: Partial<CanarySpec> = {}): CanarySpec => ({
  targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
  service: { port: 9898 },
  analysis,
  ...extra,
});

describe('strategyOf', () => {
  it.each<[string, CanaryAnalysis, string | undefined, string]>([
    ['stepWeight', { stepWeight: 10 }, undefined, 'canary'],
    ['stepWeight + mirror', { stepWeight: 10, mirror: true }, undefined, 'canary-mirroring'],
    ['iterations', { iterations: 5 }, undefined, 'blue-green'],
    ['iterations + mirror', { iterations: 5, mirror: true }, undefined, 'blue-green-mirroring'],
    ['iterations + match', { iterations: 5, match: [{ headers: { x: { exact: '1' } } }] }, undefined, 'ab-testing'],
    ['match without iterations', { stepWeight: 5, match: [{ headers: { x: { exact: '1' } } }] }, undefined, 'canary'],
    ['kubernetes + stepWeight', { stepWeight: 10 }, 'kubernetes', 'blue-green'],
    ['kubernetes + match', { iterations: 3, match: [{ uri: { prefix: '/' } }] }, 'kubernetes', 'blue-green'],
    ['kubernetes + mirror', { iterations: 3, mirror: true }, 'kubernetes', 'blue-green'],
  ])('%s → %s', (_name, analysis, provider, expected) => {
    expect(strategyOf(spec(analysis, { provider }))).toBe(expected);
  });

  it('uses the controller default provider when the canary names none', () => {
    expect(strategyOf(spec({ stepWeight: 10 }), 'kubernetes')).toBe('blue-green');
    expect(strategyOf(spec({ stepWeight: 10 }, { provider: 'linkerd' }), 'kubernetes')).toBe('canary');
  });
});

describe('maxWeightOf', () => {
  it.each<[CanaryAnalysis, number]>([
    [{ stepWeight: 10 }, 100],
    [{ stepWeight: 10, maxWeight: 50 }, 50],
    [{ stepWeight: 10, maxWeight: 0 }, 100],
    [{ stepWeights: [1, 2, 10, 80], maxWeight: 30 }, 80],
    [{ stepWeights: [20, 120] }, 100],
    // Flagger takes the last stepWeights entry as maximum even when stepWeight drives the steps.
    [{ stepWeight: 20, stepWeights: [5, 40], maxWeight: 90 }, 40],
  ])('%j → %d', (analysis, expected) => {
    expect(maxWeightOf(analysis)).toBe(expected);
  });
});

describe('nextStepSize', () => {
  it.each<[CanaryAnalysis, number, number]>([
    [{ stepWeight: 10 }, 0, 10],
    [{ stepWeight: 10 }, 90, 10],
    [{ stepWeight: 10, stepWeights: [1, 50] }, 1, 10],
    [{ stepWeights: [1, 2, 10, 80] }, 0, 1],
    [{ stepWeights: [1, 2, 10, 80] }, 1, 1],
    [{ stepWeights: [1, 2, 10, 80] }, 2, 8],
    [{ stepWeights: [1, 2, 10, 80] }, 10, 70],
    [{ stepWeights: [1, 2, 10, 80] }, 80, 20],
    [{ stepWeights: [1, 2, 10, 80] }, 33, 67],
    [{ stepWeights: [1, 2, 10, 80] }, 100, 1],
    [{ stepWeights: [150] }, 0, 100],
    [{}, 0, 0],
  ])('%j at weight %d → %d', (analysis, w, expected) => {
    expect(nextStepSize(analysis, w)).toBe(expected);
  });
});

describe('plannedWeights', () => {
  it.each<[CanaryAnalysis, number[]]>([
    [{ stepWeight: 10, maxWeight: 50 }, [10, 20, 30, 40, 50]],
    [{ stepWeight: 20, maxWeight: 50 }, [20, 40, 60]],
    [{ stepWeight: 30 }, [30, 60, 90, 100]],
    [{ stepWeights: [1, 2, 10, 80], maxWeight: 5 }, [1, 2, 10, 80]],
    [{ stepWeights: [10, 20, 30] }, [10, 20, 30]],
    [{ stepWeight: 0 }, []],
  ])('%j → %j', (analysis, expected) => {
    expect(plannedWeights(analysis)).toEqual(expected);
  });
});

describe('plannedSteps', () => {
  const kinds = (s: CanarySpec, provider?: string) => plannedSteps(s, provider).map(x => x.label);

  it('lists gates, weights, promotion gate, promote and finalise for the canary strategy', () => {
    const s = spec({
      stepWeight: 25,
      maxWeight: 50,
      webhooks: [
        { name: 'gate', type: 'confirm-rollout', url: 'http://x' },
        { name: 'promo', type: 'confirm-promotion', url: 'http://x' },
      ],
    });
    expect(kinds(s)).toEqual(['Approval: gate', '25%', '50%', 'Approval: promo', 'Promote', 'Route all traffic to primary']);
  });

  it('asks for promotion approval before the blue/green switch', () => {
    const s = spec({ iterations: 2, webhooks: [{ name: 'promo', type: 'confirm-promotion', url: 'http://x' }] });
    expect(kinds(s)).toEqual([
      'Iteration 1/2',
      'Iteration 2/2',
      'Approval: promo',
      'All traffic to canary',
      'Promote',
      'Route all traffic to primary',
    ]);
  });

  it('forces 10 iterations and no switch with the kubernetes provider', () => {
    const labels = kinds(spec({ stepWeight: 10 }), 'kubernetes');
    expect(labels.filter(l => l.startsWith('Iteration'))).toHaveLength(10);
    expect(labels).not.toContain('All traffic to canary');
  });

  it('collapses to a single promote step when analysis is skipped', () => {
    expect(kinds(spec({ stepWeight: 10 }, { skipAnalysis: true }))).toEqual(['Promote (analysis skipped)']);
    expect(kinds(spec(undefined))).toEqual(['Promote (analysis skipped)']);
  });
});

describe('parseDurationSeconds', () => {
  it.each<[string | undefined, number | undefined]>([
    ['60s', 60],
    ['1m', 60],
    ['1m30s', 90],
    ['1.5h', 5400],
    ['500ms', 0.5],
    ['2s500ms', 2.5],
    ['0', 0],
    [' 5s ', 5],
    ['10', undefined],
    ['s', undefined],
    ['1d', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseDurationSeconds(value)).toBe(expected);
  });
});
