import { DELIVERY_CANARY_SIGNAL_CHANNEL } from '@delivery/plugin-delivery-common';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FixtureDeliveryApi, allCanaries, podinfoEntityCanaries } from '../../__fixtures__';
import { ManualSignalApi, renderDelivery } from '../../__testUtils__';
import { DeliveryPage } from './DeliveryPage';

const { items: _items, ...context } = podinfoEntityCanaries;

function fleetApi() {
  const api = new FixtureDeliveryApi({ canaries: allCanaries, entity: context });
  return { api, getFleet: jest.spyOn(api, 'getFleet') };
}

function rows() {
  const table = screen.getByRole('table', { name: 'canaries' });
  return within(table).getAllByRole('row').slice(1);
}

// Full page renders with MUI are slow on small CI machines; nothing here waits on real time.
jest.setTimeout(30_000);

describe('DeliveryPage', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('lists every canary with phase counts, cluster health and links to the entity tab', async () => {
    const { api } = fleetApi();
    await renderDelivery(<DeliveryPage />, { api });
    await screen.findByRole('table', { name: 'canaries' });
    expect(rows()).toHaveLength(allCanaries.length);

    const counts = screen.getByRole('group', { name: 'canaries per phase' });
    expect(within(counts).getByRole('button', { name: 'Progressing: 3' })).toBeInTheDocument();
    expect(within(counts).getByRole('button', { name: 'Succeeded: 2' })).toBeInTheDocument();
    expect(within(counts).getByRole('button', { name: 'Failed: 1' })).toBeInTheDocument();

    const health = screen.getByRole('group', { name: 'cluster health' });
    expect(within(health).getByRole('button', { name: 'edge-ap: unreachable (0)' })).toBeInTheDocument();
    expect(within(health).getByRole('button', { name: 'sandbox: unauthorized (0)' })).toBeInTheDocument();
    expect(within(health).getByRole('button', { name: 'staging: stale (1)' })).toBeInTheDocument();

    const checkout = rows().find(r => r.textContent?.includes('checkout'))!;
    expect(within(checkout).getByRole('link', { name: 'checkout' })).toHaveAttribute(
      'href',
      '/catalog/shop/component/checkout/delivery',
    );
    expect(checkout).toHaveTextContent('A/B testing');
    expect(checkout).toHaveTextContent('iteration 4 of 10');
    // Target: name, with its kind beneath.
    expect(within(checkout).getAllByRole('cell')[5]).toHaveTextContent(/^checkoutDeployment$/);
    expect(checkout).toHaveTextContent('registry.example.com/shop/checkout:2.14.0');
    const docs = rows().find(r => r.textContent?.includes('docs'))!;
    expect(within(docs).queryByRole('link')).toBeNull();
    expect(docs).toHaveTextContent('No analysis');
  });

  it('filters to what needs attention', async () => {
    const { api, getFleet } = fleetApi();
    await renderDelivery(<DeliveryPage />, { api });
    await screen.findByRole('table', { name: 'canaries' });
    await userEvent.click(screen.getByRole('checkbox', { name: 'Needs attention' }));
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(getFleet).toHaveBeenLastCalledWith(expect.objectContaining({ needsAttention: true, offset: 0 }));
    expect(rows().map(r => within(r).getByLabelText(/^phase:/).getAttribute('aria-label'))).toEqual([
      'phase: Waiting for promotion',
      'phase: Waiting for approval',
      'phase: Failed',
    ]);
    rows().forEach(r => expect(within(r).getByLabelText('needs attention')).toBeInTheDocument());
  });

  it('starts from the filters in the URL', async () => {
    const { api, getFleet } = fleetApi();
    await renderDelivery(<DeliveryPage />, { api, route: '/?needsAttention=true&cluster=staging' });
    await screen.findByRole('table', { name: 'canaries' });
    expect(getFleet).toHaveBeenCalledWith(
      expect.objectContaining({ needsAttention: true, cluster: ['staging'] }),
    );
    expect(rows()).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'staging: stale (1)' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('filters by phase from the counts, sorts, and searches after typing stops', async () => {
    jest.useFakeTimers();
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    const { api, getFleet } = fleetApi();
    await renderDelivery(<DeliveryPage />, { api });
    await screen.findByRole('table', { name: 'canaries' });

    await user.click(screen.getByRole('button', { name: 'Progressing: 3' }));
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(getFleet).toHaveBeenLastCalledWith(expect.objectContaining({ phase: ['Progressing'] }));

    await user.click(screen.getByRole('button', { name: 'Cluster' }));
    expect(getFleet).toHaveBeenLastCalledWith(expect.objectContaining({ sort: 'cluster', order: 'asc' }));
    await waitFor(() => expect(rows()[0]).toHaveTextContent('dev-eu'));

    await user.type(screen.getByRole('textbox', { name: 'Search' }), 'checkout');
    // Typing alone sends nothing; the pause after the last keystroke sends one request for the whole word.
    expect(getFleet.mock.calls.filter(([q]) => q.search !== undefined)).toHaveLength(0);
    await act(async () => {
      jest.advanceTimersByTime(300);
    });
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(getFleet).toHaveBeenLastCalledWith(expect.objectContaining({ search: 'checkout', phase: ['Progressing'] }));
    expect(getFleet.mock.calls.filter(([q]) => q.search !== undefined)).toHaveLength(1);
  });

  it('re-fetches on a canary signal', async () => {
    const { api, getFleet } = fleetApi();
    const signals = new ManualSignalApi();
    await renderDelivery(<DeliveryPage />, { api, signals });
    await screen.findByRole('table', { name: 'canaries' });
    expect(screen.getByText('Updates live')).toBeInTheDocument();
    const calls = getFleet.mock.calls.length;
    api.update(allCanaries[0], { phase: 'Promoting', message: 'Copying podinfo.test template spec to podinfo-primary.test' });
    act(() => signals.publish(DELIVERY_CANARY_SIGNAL_CHANNEL, { cluster: 'dev-eu', namespace: 'test', name: 'podinfo' }));
    expect(await screen.findByText('Copying podinfo.test template spec to podinfo-primary.test')).toBeInTheDocument();
    expect(getFleet.mock.calls.length).toBe(calls + 1);
  });

  it('shows the error when the fleet cannot be loaded', async () => {
    const { api, getFleet } = fleetApi();
    getFleet.mockRejectedValue(new Error('aggregator not ready'));
    await renderDelivery(<DeliveryPage />, { api });
    expect((await screen.findAllByText(/aggregator not ready/)).length).toBeGreaterThan(0);
    expect(screen.queryByRole('table', { name: 'canaries' })).toBeNull();
  });
});
