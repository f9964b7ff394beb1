import { renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { blueGreenCanary, mirroringCanary } from '../../__fixtures__';
import { TrafficSplit } from './TrafficSplit';

describe('TrafficSplit', () => {
  it('says when the canary only gets a mirrored copy', async () => {
    await renderInTestApp(<TrafficSplit traffic={mirroringCanary.traffic} />);
    const bar = screen.getByRole('meter', { name: 'router weights' });
    expect(bar).toHaveAttribute('aria-valuenow', '0');
    expect(bar).toHaveAttribute('aria-valuetext', 'primary 100%, canary 0% (plus a mirrored copy)');
    expect(screen.getByText(/Mirroring: the canary receives a copy/)).toBeInTheDocument();
  });

  it('marks values that are not measured instead of showing zero', async () => {
    await renderInTestApp(<TrafficSplit traffic={blueGreenCanary.traffic} />);
    const canaryRow = screen.getByRole('row', { name: /canary/ });
    expect(canaryRow).not.toHaveTextContent('0.0 req/s');
    expect(canaryRow.querySelectorAll('[title="not measured"]')).toHaveLength(3);
  });

  it('waits politely for a router that has not reported', async () => {
    await renderInTestApp(<TrafficSplit />);
    expect(screen.getByText('The router has not reported weights yet.')).toBeInTheDocument();
  });
});
