import { CanarySummary } from '@delivery/plugin-delivery-common';
import { renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { abTestingCanary, blueGreenCanary, progressingCanary } from '../../__fixtures__';
import { CanaryCard } from './CanaryCard';

const render = (canary: CanarySummary) =>
  renderInTestApp(<CanaryCard canary={canary} expanded={false} onExpandedChange={() => {}} onRefresh={() => {}} />);

const progress = () => screen.getByRole('progressbar', { name: 'iterations' });

describe('CanaryCard progress', () => {
  // Flagger counts one iteration past the last for the blue/green switch and keeps it while promoting.
  it.each([
    ['Promoting', { ...blueGreenCanary, totalIterations: 2, iterations: 3, phase: 'Promoting' as const }],
    ['Finalising', { ...abTestingCanary, totalIterations: 2, iterations: 3, phase: 'Finalising' as const }],
  ])('shows the promotion, not "iteration 3 of 2", while %s', async (_phase, canary) => {
    await render(canary);
    expect(screen.queryByText(/iteration 3 of 2/)).toBeNull();
    expect(screen.getByText('promoting the canary')).toBeInTheDocument();
    expect(progress()).toHaveAttribute('aria-valuenow', '100');
  });

  it('caps the count at the total on the blue/green switch tick', async () => {
    await render({ ...blueGreenCanary, totalIterations: 2, iterations: 3, phase: 'Progressing' });
    expect(screen.getByText('all 2 iterations done')).toBeInTheDocument();
    expect(progress()).toHaveAttribute('aria-valuenow', '100');
  });

  it('counts iterations while the analysis runs', async () => {
    await render({ ...abTestingCanary, totalIterations: 10, iterations: 4 });
    expect(screen.getByText('iteration 4 of 10')).toBeInTheDocument();
    expect(progress()).toHaveAttribute('aria-valuenow', '40');
  });

  it('names the weight left on the canary while a stepped promotion shifts traffic', async () => {
    await render({ ...progressingCanary, phase: 'Promoting', canaryWeight: 20 });
    expect(screen.getByText('promoting: 20% still on the canary')).toBeInTheDocument();
  });
});
