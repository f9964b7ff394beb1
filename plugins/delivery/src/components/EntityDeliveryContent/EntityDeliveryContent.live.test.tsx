import { DELIVERY_CANARY_SIGNAL_CHANNEL, canaryKey } from '@delivery/plugin-delivery-common';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  FixtureDeliveryApi,
  podinfoCanaries,
  podinfoEntity,
  podinfoEntityCanaries,
  progressingCanary,
  waitingCanary,
} from '../../__fixtures__';
import { ManualSignalApi, renderDelivery } from '../../__testUtils__';
import { EntityDeliveryContent } from './EntityDeliveryContent';

const { items: _items, ...podinfoContext } = podinfoEntityCanaries;
const progressingKey = canaryKey(progressingCanary);

function fixtureApi() {
  return new FixtureDeliveryApi({ canaries: podinfoCanaries, entity: podinfoContext });
}

/** The backend moved the progressing canary one step: weight 40, router at 60/40. */
function advanceTo40(api: FixtureDeliveryApi) {
  api.update(progressingCanary, {
    canaryWeight: 40,
    currentStep: 3,
    traffic: {
      ...progressingCanary.traffic!,
      backends: progressingCanary.traffic!.backends.map(b => ({
        ...b,
        configuredWeight: b.role === 'canary' ? 40 : 60,
      })),
    },
  });
}

type User = ReturnType<typeof userEvent.setup>;

async function openCard(user: User, key: string) {
  const card = await screen.findByRole('article', { name: `canary ${key}` });
  await user.click(within(card).getByRole('button', { name: /details/i }));
  await within(card).findByRole('region', { name: 'Progress' });
  return card;
}

// Full tab renders with MUI are slow on small CI machines; nothing here waits on real time.
jest.setTimeout(30_000);

describe('EntityDeliveryContent live refresh', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('polls without Signals and keeps the open panel, YAML and dialog as they were', async () => {
    jest.useFakeTimers();
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    const api = fixtureApi();
    const list = jest.spyOn(api, 'getEntityCanaries');
    await renderDelivery(<EntityDeliveryContent />, {
      api,
      entity: podinfoEntity,
      config: { delivery: { pollIntervalSeconds: 10 } },
    });
    const card = await openCard(user, progressingKey);
    const waiting = await openCard(user, canaryKey(waitingCanary));
    expect(screen.getByText('Refreshes every 10 seconds.')).toBeInTheDocument();

    await user.click(within(card).getByRole('button', { name: 'Canary YAML' }));
    const panel = within(card).getByRole('region', { name: 'Traffic' });
    await user.click(within(waiting).getByRole('button', { name: 'Approve' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByRole('textbox'), 'ship it');

    advanceTo40(api);
    expect(list).toHaveBeenCalledTimes(1);
    await act(async () => {
      jest.advanceTimersByTime(10_000);
    });
    // The open dialog hides the rest of the page from the accessibility tree, hence `hidden: true` below.
    const hidden = { hidden: true };
    await waitFor(() =>
      expect(within(card).getByRole('meter', { name: 'canary weight', ...hidden })).toHaveAttribute('aria-valuenow', '40'),
    );
    expect(list).toHaveBeenCalledTimes(2);
    expect(within(card).getByRole('meter', { name: 'router weights', ...hidden })).toHaveAttribute('aria-valuenow', '40');
    // Same nodes, not a re-mount: the panel, the YAML and the half-typed dialog are untouched.
    expect(within(card).getByRole('region', { name: 'Traffic', ...hidden })).toBe(panel);
    expect(screen.getByRole('article', { name: `canary ${progressingKey}`, ...hidden })).toBe(card);
    expect(within(card).getByLabelText('canary yaml')).toBeInTheDocument();
    expect(screen.getByRole('dialog')).toBe(dialog);
    expect(within(dialog).getByRole('textbox')).toHaveValue('ship it');
    expect(screen.queryByRole('progressbar', { name: /loading/ })).toBeNull();
  });

  it('refreshes only the signalled canary when Signals are available, and does not poll', async () => {
    jest.useFakeTimers();
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    const api = fixtureApi();
    const signals = new ManualSignalApi();
    const list = jest.spyOn(api, 'getEntityCanaries');
    const details = jest.spyOn(api, 'getCanary');
    await renderDelivery(<EntityDeliveryContent />, { api, entity: podinfoEntity, signals });
    const card = await openCard(user, progressingKey);
    expect(screen.getByText('Updates live.')).toBeInTheDocument();
    expect(signals.subscriberCount(DELIVERY_CANARY_SIGNAL_CHANNEL)).toBe(1);

    // No polling while signals flow (the list's own resync is a minute away).
    await act(async () => {
      jest.advanceTimersByTime(59_000);
    });
    expect(list).toHaveBeenCalledTimes(1);
    expect(details).toHaveBeenCalledTimes(1);

    advanceTo40(api);
    act(() => signals.publish(DELIVERY_CANARY_SIGNAL_CHANNEL, { cluster: 'dev-eu', namespace: 'test', name: 'podinfo' }));
    await waitFor(() =>
      expect(within(card).getByRole('meter', { name: 'canary weight' })).toHaveAttribute('aria-valuenow', '40'),
    );
    expect(details).toHaveBeenLastCalledWith({ cluster: 'dev-eu', namespace: 'test', name: 'podinfo' });
    expect(details).toHaveBeenCalledTimes(2);
    expect(list).toHaveBeenCalledTimes(1);
    expect(within(card).getByRole('region', { name: 'Progress' }).querySelector('[aria-current="step"]')).toHaveTextContent('40%');

    // A canary this tab does not show may be a new one of this entity: only the list can tell.
    act(() => signals.publish(DELIVERY_CANARY_SIGNAL_CHANNEL, { cluster: 'dev-eu', namespace: 'test', name: 'podinfo-v2' }));
    await waitFor(() => expect(list).toHaveBeenCalledTimes(2));
    // Malformed messages are ignored.
    act(() => signals.publish(DELIVERY_CANARY_SIGNAL_CHANNEL, { cluster: 'dev-eu', name: 42 }));
    expect(details).toHaveBeenCalledTimes(2);
    expect(list).toHaveBeenCalledTimes(2);
  });

  it('heals a signal lost while the socket reconnected at the next resync, open panel included', async () => {
    jest.useFakeTimers();
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    const api = fixtureApi();
    const signals = new ManualSignalApi();
    const details = jest.spyOn(api, 'getCanary');
    await renderDelivery(<EntityDeliveryContent />, { api, entity: podinfoEntity, signals });
    const card = await openCard(user, progressingKey);
    const panel = within(card).getByRole('region', { name: 'Traffic' });
    expect(details).toHaveBeenCalledTimes(1);

    advanceTo40(api); // and no signal arrives
    await act(async () => {
      jest.advanceTimersByTime(60_000);
    });
    await waitFor(() =>
      expect(within(card).getByRole('meter', { name: 'router weights' })).toHaveAttribute('aria-valuenow', '40'),
    );
    expect(details).toHaveBeenCalledTimes(2);
    expect(within(card).getByRole('region', { name: 'Traffic' })).toBe(panel);
  });

  it('shows a cluster going unreachable while Signals are up, once, at the next resync', async () => {
    jest.useFakeTimers();
    const api = fixtureApi();
    const signals = new ManualSignalApi();
    await renderDelivery(<EntityDeliveryContent />, { api, entity: podinfoEntity, signals });
    await screen.findAllByRole('article');
    const region = screen.getByRole('region', { name: 'cluster problems' });
    expect(region.querySelector('[data-cluster="dev-eu"]')).toBeNull();

    // No canary changed, so no signal comes: only the resync can show it.
    api.setClusterHealth({
      name: 'dev-eu',
      state: 'unreachable',
      controller: 'delivery',
      canaryCount: 2,
      message: 'connect ECONNREFUSED 10.0.1.1:6443',
      lastSyncTime: '2025-06-02T09:00:05Z',
    });
    await act(async () => {
      jest.advanceTimersByTime(60_000);
    });
    const banners = () => region.querySelectorAll('[data-cluster="dev-eu"]');
    await waitFor(() => expect(banners()).toHaveLength(1));
    expect(banners()[0]).toHaveTextContent(
      'Cluster dev-eu is unreachable; showing what it last reported: connect ECONNREFUSED 10.0.1.1:6443.',
    );
    // Later resyncs with the same state leave the one banner alone; its canaries stay on screen.
    const first = banners()[0];
    await act(async () => {
      jest.advanceTimersByTime(120_000);
    });
    expect(banners()).toHaveLength(1);
    expect(banners()[0]).toBe(first);
    expect(screen.getAllByRole('article')).toHaveLength(4);
  });

  it('shows one banner per unhealthy cluster that neither repeats nor comes back after dismissal', async () => {
    jest.useFakeTimers();
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    const api = fixtureApi();
    await renderDelivery(<EntityDeliveryContent />, { api, entity: podinfoEntity });
    const region = await screen.findByRole('region', { name: 'cluster problems' });
    const banners = within(region).getAllByRole('status');
    expect(banners.map(b => b.getAttribute('data-cluster'))).toEqual(['staging', 'edge-ap', 'sandbox']);
    expect(banners[0]).toHaveTextContent('Cluster staging is out of sync');
    expect(banners[1]).toHaveTextContent('connect ECONNREFUSED 10.0.4.2:6443');
    expect(banners[2]).toHaveTextContent('rejected the Delivery backend’s credentials');

    await user.click(within(banners[2]).getByRole('button', { name: /close/i }));
    await act(async () => {
      jest.advanceTimersByTime(15_000);
    });
    await act(async () => {
      jest.advanceTimersByTime(15_000);
    });
    const after = within(screen.getByRole('region', { name: 'cluster problems' })).getAllByRole('status');
    expect(after).toHaveLength(2);
    expect(after[0]).toBe(banners[0]);
    expect(after[1]).toBe(banners[1]);
  });

  it('keeps showing the data when a refresh fails, and says so', async () => {
    jest.useFakeTimers();
    const api = fixtureApi();
    await renderDelivery(<EntityDeliveryContent />, { api, entity: podinfoEntity });
    await screen.findAllByRole('article');
    jest.spyOn(api, 'getEntityCanaries').mockRejectedValue(new Error('502 Bad Gateway'));
    await act(async () => {
      jest.advanceTimersByTime(15_000);
    });
    expect(await screen.findByText(/Could not refresh \(502 Bad Gateway\)/)).toBeInTheDocument();
    expect(screen.getAllByRole('article')).toHaveLength(4);
  });
});
