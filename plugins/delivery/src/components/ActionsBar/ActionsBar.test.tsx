import { mockApis } from '@backstage/test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FixtureDeliveryApi, podinfoEntityCanaries, waitingCanary } from '../../__fixtures__';
import { renderDelivery } from '../../__testUtils__';
import { ActionsBar } from './ActionsBar';

const { items: _items, ...context } = podinfoEntityCanaries;
// AuthorizeResult without depending on @backstage/plugin-permission-common (not a dependency of this package):
// the enum's values are these strings.
type Decision = Exclude<NonNullable<NonNullable<Parameters<typeof mockApis.permission>[0]>['authorize']>, Function>;
const AuthorizeResult = { ALLOW: 'ALLOW' as Decision, DENY: 'DENY' as Decision };

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

  it('asks before rejecting, sends the comment and the state the user saw, and reports success', async () => {
    const { api, alerts, onDone } = setup();
    await renderDelivery(
      <ActionsBar canary={waitingCanary} entityRef="component:default/podinfo" actions={waitingCanary.actions} onDone={onDone} />,
      { api, alerts },
    );
    const group = screen.getByRole('group', { name: 'canary actions' });
    expect(within(group).getAllByRole('button').map(b => b.textContent)).toEqual(['Approve', 'Reject']);

    await userEvent.click(within(group).getByRole('button', { name: 'Reject' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reject' });
    expect(dialog).toHaveTextContent('Reject prod-us/test/podinfo at gate release-gate?');
    await userEvent.type(within(dialog).getByLabelText('Comment (recorded in the history)'), 'latency regression');
    expect(api.performed).toHaveLength(0);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reject' }));

    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(api.performed).toEqual([
      {
        ref,
        request: {
          action: 'reject',
          gate: 'release-gate',
          comment: 'latency regression',
          observedPhase: 'Waiting',
          observedResourceVersion: waitingCanary.resourceVersion,
          observedRevision: waitingCanary.status.lastAppliedSpec,
          entityRef: 'component:default/podinfo',
        },
      },
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

  describe('permission gating', () => {
    const actions = [
      { id: 'approve', label: 'Approve', gate: 'release-gate' },
      { id: 'reject', label: 'Reject', gate: 'release-gate', destructive: true },
      { id: 'pause', label: 'Pause' },
      { id: 'abort', label: 'Abort', destructive: true },
    ];
    // usePermission caches decisions per permission and resource for the whole test file, so each test here uses a
    // canary of its own instead of inheriting the allow-all answers of the tests above.
    const approverRef = { cluster: 'prod-us', namespace: 'test', name: 'approver-only' };
    const deniedRef = { cluster: 'prod-us', namespace: 'test', name: 'denied' };
    const onlyApprove = mockApis.permission({
      authorize: request =>
        request.permission.name === 'delivery.canary.approve' ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
    });

    it('shows approval buttons to an approver who may not operate, asking about this canary', async () => {
      const { api } = setup();
      const authorize = jest.spyOn(onlyApprove, 'authorize');
      await renderDelivery(<ActionsBar canary={approverRef} actions={actions} />, { api, permission: onlyApprove });
      const group = await screen.findByRole('group', { name: 'canary actions' });
      expect(within(group).getAllByRole('button').map(b => b.textContent)).toEqual(['Approve', 'Reject']);
      expect(authorize).toHaveBeenCalledWith(expect.objectContaining({ resourceRef: 'prod-us/test/approver-only' }));
    });

    it('renders nothing for a user without either permission, even when actions were offered', async () => {
      const { api } = setup();
      const permission = mockApis.permission({ authorize: AuthorizeResult.DENY });
      const authorize = jest.spyOn(permission, 'authorize');
      await renderDelivery(
        <div data-testid="host">
          <ActionsBar canary={deniedRef} actions={actions} />
        </div>,
        { api, permission },
      );
      // Wait until both decisions were answered, so the empty bar is the denied state and not the loading one.
      await waitFor(() => expect(authorize).toHaveBeenCalledTimes(2));
      await Promise.all(authorize.mock.results.map(r => r.value));
      await new Promise(resolve => setTimeout(resolve, 0));
      expect(screen.getByTestId('host')).toBeEmptyDOMElement();
    });
  });
});
