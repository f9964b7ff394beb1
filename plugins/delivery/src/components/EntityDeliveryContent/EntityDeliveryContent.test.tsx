import { canaryKey } from '@delivery/plugin-delivery-common';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  FixtureDeliveryApi,
  abTestingCanary,
  blueGreenCanary,
  failedCanary,
  flaggerNotInstalled,
  noCanaries,
  podinfoCanaries,
  podinfoEntity,
  podinfoEntityCanaries,
  progressingCanary,
  succeededCanary,
  unannotatedEntity,
  waitingCanary,
} from '../../__fixtures__';
import { renderDelivery } from '../../__testUtils__';
import { EntityDeliveryContent } from './EntityDeliveryContent';

const { items: _items, ...podinfoContext } = podinfoEntityCanaries;

function fixtureApi(canaries = podinfoCanaries) {
  return new FixtureDeliveryApi({ canaries, entity: podinfoContext });
}

async function openCard(key: string) {
  const card = await screen.findByRole('article', { name: `canary ${key}` });
  await userEvent.click(within(card).getByRole('button', { name: /details/i }));
  await within(card).findByRole('region', { name: 'Progress' });
  return card;
}

describe('EntityDeliveryContent', () => {
  it('asks for the annotation when the entity has none', async () => {
    await renderDelivery(<EntityDeliveryContent />, { api: fixtureApi(), entity: unannotatedEntity });
    expect(screen.getAllByText(/backstage\.io\/kubernetes-id/).length).toBeGreaterThan(0);
    expect(screen.queryByRole('article')).toBeNull();
  });

  it('shows one card per canary with phase, images and message', async () => {
    await renderDelivery(<EntityDeliveryContent />, { api: fixtureApi(), entity: podinfoEntity });
    expect(await screen.findAllByRole('article')).toHaveLength(4);
    const card = screen.getByRole('article', { name: 'canary dev-eu/test/podinfo' });
    expect(within(card).getByLabelText('phase: Progressing')).toBeInTheDocument();
    expect(within(card).getByText('ghcr.io/stefanprodan/podinfo:6.7.0')).toBeInTheDocument();
    expect(within(card).getByText('ghcr.io/stefanprodan/podinfo:6.7.1')).toBeInTheDocument();
    expect(within(card).getByText('New revision detected, progressing canary analysis.')).toBeInTheDocument();
    expect(within(card).getByText('Canary')).toBeInTheDocument();
    expect(within(card).getByRole('meter', { name: 'canary weight' })).toHaveAttribute('aria-valuenow', '30');
    expect(within(card).getByText('30% (max 50%)')).toBeInTheDocument();
    expect(card.querySelector('time')).toHaveAttribute('dateTime', '2025-06-02T09:00:00Z');
  });

  it('shows a progressing canary: current step, failed checks, traffic and analysis', async () => {
    await renderDelivery(<EntityDeliveryContent />, { api: fixtureApi(), entity: podinfoEntity });
    const card = await openCard(canaryKey(progressingCanary));
    const progress = within(card).getByRole('region', { name: 'Progress' });
    expect(progress.querySelector('[aria-current="step"]')).toHaveTextContent('30%');
    expect(progress).toHaveTextContent('Failed checks: 1 / 5');

    const traffic = within(card).getByRole('region', { name: 'Traffic' });
    expect(within(traffic).getByRole('meter', { name: 'router weights' })).toHaveAttribute('aria-valuenow', '30');
    const canaryRow = within(traffic).getByRole('row', { name: /canary/ });
    expect(canaryRow).toHaveTextContent('6.1 req/s');
    expect(canaryRow).toHaveTextContent('98.20%');
    expect(canaryRow).toHaveTextContent('301 ms');

    const analysis = within(card).getByRole('region', { name: 'Analysis' });
    expect(within(analysis).getByRole('img', { name: /request-success-rate over the current run: 3 values, last 98.2, threshold ≥ 99%/ })).toBeInTheDocument();
    expect(within(analysis).getByText('threshold ≥ 99% · every 1m · builtin')).toBeInTheDocument();
    expect(within(analysis).getByText('request-success-rate: 98.2% is below the minimum 99%')).toBeInTheDocument();

    expect(within(card).getByRole('link', { name: /open in grafana/i })).toHaveAttribute(
      'href',
      expect.stringContaining('var-canary=podinfo'),
    );
    const events = within(card).getByRole('table', { name: 'events timeline' });
    const rows = within(events).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('Advance podinfo.test canary weight 30');
    expect(within(card).getByRole('table', { name: 'past runs' })).toHaveTextContent('sam.lee aborted: “wrong build”');
  });

  it('shows a canary waiting for approval at its gate, with the offered actions', async () => {
    const api = fixtureApi();
    const performed = jest.spyOn(api, 'performAction');
    await renderDelivery(<EntityDeliveryContent />, { api, entity: podinfoEntity });
    const card = await openCard(canaryKey(waitingCanary));
    expect(within(card).getByLabelText('phase: Waiting for approval')).toBeInTheDocument();
    const current = within(card).getByRole('region', { name: 'Progress' }).querySelector('[aria-current="step"]');
    expect(current).toHaveTextContent('Approval: release-gate');
    expect(current).toHaveTextContent('waiting for approval');
    expect(within(card).getByRole('table', { name: 'webhooks and gates' })).toHaveTextContent('confirm-rollout (gate)');

    await userEvent.click(within(card).getByRole('button', { name: 'Approve' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Start the rollout of podinfo:6.7.1 in prod-us?');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Approve' }));
    expect(performed).toHaveBeenCalledWith(
      { cluster: 'prod-us', namespace: 'test', name: 'podinfo' },
      expect.objectContaining({
        action: 'approve',
        gate: 'release-gate',
        observedPhase: 'Waiting',
        observedResourceVersion: '1042',
        entityRef: 'component:default/podinfo',
      }),
    );
  });

  it('explains a failed canary with values and thresholds', async () => {
    await renderDelivery(<EntityDeliveryContent />, { api: fixtureApi(), entity: podinfoEntity });
    const card = await openCard(canaryKey(failedCanary));
    expect(within(card).getByLabelText('phase: Failed')).toBeInTheDocument();
    expect(within(card).getByRole('region', { name: 'Progress' })).toHaveTextContent(
      'Failed checks: 5 / 5 (threshold reached)',
    );
    const failures = within(card).getByRole('list', { name: 'failed checks' });
    expect(failures).toHaveTextContent('request-success-rate: 90.2% is below the minimum 99%');
    expect(failures).toHaveTextContent('request-duration: no values');
    expect(failures).toHaveTextContent('metrics provider unreachable: Get "http://prometheus.monitoring:9090');
    expect(failures).toHaveTextContent('load-test: webhook failed: POST http://flagger-loadtester.test/ giving up after 3 attempt(s)');
    expect(within(card).getByRole('table', { name: 'past runs' })).toHaveTextContent('Failed checks threshold reached 5');
  });

  it('shows a succeeded canary as promoted, with the whole plan done', async () => {
    await renderDelivery(<EntityDeliveryContent />, { api: fixtureApi(), entity: podinfoEntity });
    const card = await openCard(canaryKey(succeededCanary));
    expect(within(card).getByLabelText('phase: Succeeded')).toBeInTheDocument();
    expect(within(card).getByText(/same as primary/)).toBeInTheDocument();
    const progress = within(card).getByRole('region', { name: 'Progress' });
    expect(progress.querySelector('[aria-current="step"]')).toBeNull();
    expect(within(card).getByRole('table', { name: 'past runs' })).toHaveTextContent('succeeded');
  });

  it('shows an A/B test with its matches and iterations, expanded when it is the only canary', async () => {
    await renderDelivery(<EntityDeliveryContent />, { api: fixtureApi([abTestingCanary]), entity: podinfoEntity });
    const card = await screen.findByRole('article', { name: 'canary prod-eu/shop/checkout' });
    expect(await within(card).findByRole('list', { name: 'traffic matches' })).toHaveTextContent('header x-canary = "insider"');
    expect(within(card).getByText('A/B testing')).toBeInTheDocument();
    expect(within(card).getByText('iteration 4 of 10')).toBeInTheDocument();
    expect(within(card).getByText(/weights apply to matching requests only/)).toBeInTheDocument();
    expect(card.querySelector('[aria-current="step"]')).toHaveTextContent('Iteration 4/10');
  });

  it('shows a blue/green canary waiting for promotion', async () => {
    await renderDelivery(<EntityDeliveryContent />, { api: fixtureApi([blueGreenCanary]), entity: podinfoEntity });
    const card = await screen.findByRole('article', { name: 'canary prod-us/payments/payments' });
    expect(within(card).getByText('Blue/green')).toBeInTheDocument();
    expect(within(card).getByLabelText('phase: Waiting for promotion')).toBeInTheDocument();
    await within(card).findByRole('region', { name: 'Progress' });
    expect(card.querySelector('[aria-current="step"]')).toHaveTextContent('Approval: promotion-gate');
    expect(within(card).getByText(/latency is not measured/)).toBeInTheDocument();
  });

  it('says what was searched when no canary matches', async () => {
    const api = fixtureApi([]);
    jest.spyOn(api, 'getEntityCanaries').mockResolvedValue(noCanaries);
    await renderDelivery(<EntityDeliveryContent />, { api, entity: podinfoEntity });
    expect(await screen.findByText('No canaries found for this entity')).toBeInTheDocument();
    expect(screen.getByText(/clusters dev-eu, prod-eu/)).toBeInTheDocument();
    expect(screen.getByText('backstage.io/kubernetes-id=podinfo')).toBeInTheDocument();
    expect(screen.getByText('test')).toBeInTheDocument();
  });

  it('onboards when no cluster serves the Canary CRD, linking to the configured guide', async () => {
    const api = fixtureApi([]);
    jest.spyOn(api, 'getEntityCanaries').mockResolvedValue(flaggerNotInstalled);
    await renderDelivery(<EntityDeliveryContent />, {
      api,
      entity: podinfoEntity,
      config: { delivery: { installGuideUrl: 'https://docs.example.com/delivery/install' } },
    });
    expect(await screen.findByText('Progressive delivery is not set up on these clusters')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /installation guide/ })).toHaveAttribute(
      'href',
      'https://docs.example.com/delivery/install',
    );
  });

  it('shows an error panel when the first load fails', async () => {
    const api = fixtureApi();
    jest.spyOn(api, 'getEntityCanaries').mockRejectedValue(new Error('backend exploded'));
    await renderDelivery(<EntityDeliveryContent />, { api, entity: podinfoEntity });
    expect((await screen.findAllByText(/backend exploded/)).length).toBeGreaterThan(0);
    expect(screen.queryByRole('article')).toBeNull();
  });
});
