import { mockServices } from '@backstage/backend-test-utils';
import { CanarySummary } from '@delivery/plugin-delivery-common';
import { TransitionNotifier, deliveryTabLink, transitionNotice } from './notifications';

const summary = (phase: string, extra: Partial<CanarySummary> = {}) =>
  ({
    cluster: 'prod',
    namespace: 'team-a',
    name: 'podinfo',
    phase,
    canaryWeight: 0,
    failedChecks: 0,
    threshold: 5,
    canaryImages: ['podinfo:6.7.1'],
    entityRefs: ['component:default/podinfo'],
    ...extra,
  }) as CanarySummary;

describe('transition notifications', () => {
  it.each([
    [undefined, 'WaitingPromotion', undefined],
    ['Progressing', 'Progressing', undefined],
    ['Progressing', 'WaitingPromotion', 'waiting'],
    ['Succeeded', 'Waiting', 'waiting'],
    ['Progressing', 'Failed', 'failed'],
    ['Finalising', 'Succeeded', 'promoted'],
    ['Initializing', 'Succeeded', undefined],
  ])('%p → %p notifies %p', (prev, next, kind) => {
    expect(transitionNotice(prev ? summary(prev) : undefined, summary(next))?.kind).toBe(kind);
  });

  it('reports the failure reason with the numbers the Failed status no longer has', () => {
    const notice = transitionNotice(
      summary('Progressing', { failedChecks: 5, canaryWeight: 30 }),
      summary('Failed', { message: 'Canary analysis failed, Deployment scaled to zero.' }),
    );
    expect(notice?.description).toBe(
      'prod/team-a/podinfo: podinfo:6.7.1 was rolled back (failed checks 5/5, canary weight reached 30%). Reason: Canary analysis failed, Deployment scaled to zero.',
    );
  });

  it('sends one notification per entity with a link to the tab and one scope per rollout', async () => {
    const send = jest.fn(async () => {});
    const notifier = new TransitionNotifier({ notifications: { send }, logger: mockServices.logger.mock() });
    const ref = { cluster: 'prod', namespace: 'team-a', name: 'podinfo' };
    await notifier.observe({ ref, summary: summary('Progressing') });
    expect(send).not.toHaveBeenCalled();
    await notifier.observe({ ref, summary: summary('WaitingPromotion') });
    await notifier.observe({ ref, summary: summary('Promoting') });
    await notifier.observe({ ref, summary: summary('Succeeded') });
    expect(send.mock.calls.map(([o]: any) => [o.recipients, o.payload.link, o.payload.scope, o.payload.title])).toEqual([
      [{ type: 'entity', entityRef: 'component:default/podinfo' }, '/catalog/default/component/podinfo/delivery', 'delivery:prod/team-a/podinfo:podinfo:6.7.1', 'podinfo is waiting for approval to be promoted'],
      [{ type: 'entity', entityRef: 'component:default/podinfo' }, '/catalog/default/component/podinfo/delivery', 'delivery:prod/team-a/podinfo:podinfo:6.7.1', 'podinfo promoted in prod'],
    ]);
  });

  it('builds the tab link from the entity ref', () => {
    expect(deliveryTabLink('component:payments/checkout')).toBe('/catalog/payments/component/checkout/delivery');
  });
});
