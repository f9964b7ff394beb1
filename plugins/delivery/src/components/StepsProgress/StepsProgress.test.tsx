import { RolloutRun } from '@delivery/plugin-delivery-common';
import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { failedCanary } from '../../__fixtures__';
import { StepsProgress, failedChecksOf, markedStep } from './StepsProgress';

const run = (over: Partial<RolloutRun>): RolloutRun => ({
  id: 'r1',
  cluster: 'staging',
  namespace: 'test',
  name: 'podinfo',
  canaryImages: [],
  primaryImages: [],
  startedAt: '2025-06-01T17:14:00Z',
  endedAt: '2025-06-01T17:20:00Z',
  outcome: 'failed',
  maxWeightReached: 30,
  maxIterationReached: 0,
  actors: [],
  ...over,
});

// As the backend serves a Failed canary: Flagger zeroed the weight, so there is no current step.
const failedAt30 = { ...failedCanary, currentStep: -1, canaryWeight: 0, runs: [run({})] };

describe('markedStep', () => {
  it('marks where a failed run stopped, from the recorded run', () => {
    expect(failedAt30.plannedSteps[markedStep(failedAt30)].label).toBe('30%');
  });

  it('marks the first step when the run failed before any traffic moved', () => {
    const early = { ...failedAt30, runs: [run({ maxWeightReached: 0 })] };
    expect(early.plannedSteps[markedStep(early)].label).toBe('10%');
  });

  it('marks nothing without a recorded run, and keeps the controller’s step otherwise', () => {
    expect(markedStep({ ...failedAt30, runs: [] })).toBe(-1);
    expect(markedStep({ ...failedAt30, currentStep: 2 })).toBe(2);
  });

  it('shows the failed step in the stepper', async () => {
    await renderInTestApp(<StepsProgress canary={failedAt30} />);
    const current = screen.getByLabelText('planned steps').querySelector('[aria-current="step"]');
    expect(current).toHaveTextContent('30%');
    expect(current).toHaveTextContent('failed here');
  });
});

describe('failedChecksOf', () => {
  it('takes the count from Flagger’s rollback event when no checks were recorded', () => {
    const rollback = {
      time: '2025-06-01T17:20:00Z',
      type: 'Warning' as const,
      reason: 'Synced',
      message: 'Rolling back podinfo.test failed checks threshold reached 5',
      source: 'flagger',
    };
    const before = { ...rollback, time: '2025-06-01T17:00:00Z', message: 'Rolling back podinfo.test failed checks threshold reached 2' };
    expect(failedChecksOf({ ...failedAt30, checks: [], events: [before, rollback] })).toBe(5);
    // An older run's rollback does not count for this one.
    expect(failedChecksOf({ ...failedAt30, checks: [], events: [before] })).toBe(0);
  });
});
