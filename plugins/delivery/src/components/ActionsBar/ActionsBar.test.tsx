import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FixtureDeliveryApi, podinfoEntityCanaries, waitingCanary } from '../../__fixtures__';
import { renderDelivery } from '../../__testUtils__';
import { ActionsBar } from './ActionsBar';

const { items: _items, ...context } = podinfoEntityCanaries;
const ref = { cluster: 'prod-us', namespace: 'test', name: 'podinfo' };

function setup() {
  const api = new FixtureDeliveryApi({ canaries: [waitingCanary], entity: context });
  return { api, alerts: { post: jest.fn() }, onDone: jest.fn() };
}

describe('ActionsBar', () => {
  it.each([[undefined], [[]]])('renders nothing when the backend offers %p', async actions => {
    const { api } = setup();
    await renderDelivery(
      <div data-testid="host">
        <ActionsBar canary={ref} actions={actions} />
      </div>,
      { api },
    );
    expect(screen.getByTestId('host')).toBeEmptyDOMElement();
  });

  it('asks before rejecting, records the comment, and reports success', async () => {
    const { api, alerts, onDone } = setup();
    await renderDelivery(<ActionsBar canary={ref} actions={waitingCanary.actions} onDone={onDone} />, { api, alerts });
    const group = screen.getByRole('group', { name: 'canary actions' });
    expect(within(group).getAllByRole('button').map(b => b.textContent)).toEqual(['Approve', 'Reject']);

    await userEvent.click(within(group).getByRole('button', { name: 'Reject' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reject' });
    expect(dialog).toHaveTextContent('Reject prod-us/test/podinfo at gate release-gate?');
    await userEvent.type(within(dialog).getByRole('textbox'), 'latency regression');
    expect(api.performed).toHaveLength(0);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reject' }));

    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(api.performed).toEqual([
      { ref, request: { action: 'reject', gate: 'release-gate', comment: 'latency regression' } },
    ]);
    expect(alerts.post).toHaveBeenCalledWith(expect.objectContaining({ severity: 'success' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('does nothing when cancelled', async () => {
    const { api } = setup();
    await renderDelivery(<ActionsBar canary={ref} actions={waitingCanary.actions} />, { api });
    await userEvent.click(screen.getByRole('button', { name: 'Approve' }));
    await userEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.performed).toHaveLength(0);
  });

  it('keeps the dialog open and reports the reason when the backend refuses', async () => {
    const { api, alerts, onDone } = setup();
    jest.spyOn(api, 'performAction').mockRejectedValue(new Error('gate already closed'));
    await renderDelivery(<ActionsBar canary={ref} actions={waitingCanary.actions} onDone={onDone} />, { api, alerts });
    await userEvent.click(screen.getByRole('button', { name: 'Approve' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Approve' }));
    await waitFor(() =>
      expect(alerts.post).toHaveBeenCalledWith(
        expect.objectContaining({ severity: 'error', message: 'Approve failed: gate already closed' }),
      ),
    );
    expect(screen.getByRole('dialog')).toBe(dialog);
    expect(onDone).not.toHaveBeenCalled();
  });
});
