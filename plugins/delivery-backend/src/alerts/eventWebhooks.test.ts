import { mockServices, registerMswTestHooks } from '@backstage/backend-test-utils';
import type { CanaryWebhook } from '@delivery/plugin-delivery-common';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { KINDS, type KubeObject } from '../kube/types';
import { podinfoCanary } from '../routers/__fixtures__/podinfo';
import { FakeKube } from '../testing/fakeKube';
import { WebhookCaller } from '../webhooks/call';
import { EventWebhookForwarder, forwardingEvents } from './eventWebhooks';
import { createCanaryNotifications } from './notifications';

const server = setupServer();
registerMswTestHooks(server);

const BASE = 'http://127.0.0.1:8090';

function receiver(status = 200) {
  const posts: Array<{ path: string; body: any }> = [];
  server.use(
    http.post(`${BASE}/*`, async ({ request }) => {
      posts.push({ path: new URL(request.url).pathname, body: await request.json() });
      return new HttpResponse('', { status });
    }),
  );
  return posts;
}

const at = new Date(1700000000123);
const status = { phase: 'Progressing' as const, lastAppliedSpec: 'd1-abc' };

describe('EventWebhookForwarder', () => {
  it("posts Flagger's event payload to each event hook in spec order; hook metadata cannot override the event keys", async () => {
    const posts = receiver();
    const hooks: CanaryWebhook[] = [
      { name: 'load', type: 'rollout', url: `${BASE}/load` },
      { name: 'audit', type: 'event', url: `${BASE}/audit`, metadata: { team: 'web', eventType: 'spoofed' } },
      { name: 'chat', type: 'event', url: `${BASE}/chat` },
    ];
    const canary = podinfoCanary({ analysis: { webhooks: hooks }, status });
    const forwarder = new EventWebhookForwarder({
      webhooks: new WebhookCaller(),
      globalUrl: `${BASE}/global`,
      logger: mockServices.logger.mock(),
    });
    const results = await forwarder.forward(canary, 'sum1', { type: 'Warning', message: 'Halt podinfo.test advancement', time: at });
    expect(results.map(r => r.ok)).toEqual([true, true]);
    expect(posts).toEqual([
      {
        path: '/audit',
        body: {
          name: 'podinfo',
          namespace: 'test',
          phase: 'Progressing',
          checksum: 'sum1',
          metadata: {
            eventMessage: 'Halt podinfo.test advancement',
            eventType: 'Warning',
            timestamp: '1700000000123',
            team: 'web',
          },
        },
      },
      expect.objectContaining({ path: '/chat' }),
    ]);
  });

  it('uses the global event webhook only for canaries without event hooks', () => {
    const forwarder = new EventWebhookForwarder({
      webhooks: new WebhookCaller(),
      globalUrl: `${BASE}/global`,
      logger: mockServices.logger.mock(),
    });
    expect(forwarder.targets(podinfoCanary())).toEqual([{ name: 'events', url: `${BASE}/global` }]);
    const own = podinfoCanary({ analysis: { webhooks: [{ name: 'e', type: 'event', url: `${BASE}/own` }] } });
    expect(forwarder.targets(own).map(h => h.url)).toEqual([`${BASE}/own`]);
    const none = new EventWebhookForwarder({ webhooks: new WebhookCaller(), logger: mockServices.logger.mock() });
    expect(none.targets(podinfoCanary())).toEqual([]);
  });

  it('logs a failed hook and carries on', async () => {
    receiver(500);
    const logger = mockServices.logger.mock();
    const forwarder = new EventWebhookForwarder({ webhooks: new WebhookCaller(), globalUrl: `${BASE}/global`, logger });
    const [result] = await forwarder.forward(podinfoCanary(), 'x', { type: 'Normal', message: 'm', time: at });
    expect(result.ok).toBe(false);
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringMatching(/^canary podinfo\.test: error sending event to webhook events: POST .* giving up after 1 attempt/),
    );
  });
});

describe('forwardingEvents', () => {
  it('hands every recorded event on, with the time it was recorded, and still records it', async () => {
    const kube = new FakeKube();
    const canary = kube.seed(KINDS.canary, podinfoCanary() as unknown as KubeObject);
    const seen: unknown[] = [];
    const writer = forwardingEvents(kube, e => seen.push(e), () => at);
    await writer.recordEvent(canary, { type: 'Normal', message: 'Advance podinfo.test canary weight 10' });
    expect(seen).toEqual([{ type: 'Normal', message: 'Advance podinfo.test canary weight 10', time: at }]);
    expect(kube.events.map(e => e.message)).toEqual(['Advance podinfo.test canary weight 10']);
  });
});

describe('createCanaryNotifications', () => {
  it('delivers one canary’s events in the order they were recorded, without the caller waiting', async () => {
    const bodies: string[] = [];
    let first = true;
    server.use(
      http.post(`${BASE}/ordered`, async ({ request }) => {
        const body = (await request.json()) as { metadata: { eventMessage: string } };
        // The first answer is the slowest: a concurrent sender would deliver the others before it.
        if (first) {
          first = false;
          await delay(200);
        }
        bodies.push(body.metadata.eventMessage);
        return new HttpResponse('', { status: 202 });
      }),
    );
    const kube = new FakeKube();
    const notifications = createCanaryNotifications({
      reader: kube,
      getSecret: async () => undefined,
      webhooks: new WebhookCaller(),
      logger: mockServices.logger.mock(),
      eventWebhookUrl: `${BASE}/ordered`,
    });
    const canary = podinfoCanary({ status });
    for (const m of ['one', 'two', 'three']) notifications.event(canary, { type: 'Normal', message: m, time: at });
    expect(bodies).toEqual([]);
    await notifications.idle();
    expect(bodies).toEqual(['one', 'two', 'three']);
  });

  it('sends nothing and queues nothing for a canary with no event destination', async () => {
    const notifications = createCanaryNotifications({
      reader: new FakeKube(),
      getSecret: async () => undefined,
      webhooks: new WebhookCaller(),
      logger: mockServices.logger.mock(),
    });
    const requests: string[] = [];
    const listener = ({ request }: { request: Request }) => void requests.push(request.url);
    server.events.on('request:start', listener);
    notifications.event(podinfoCanary(), { type: 'Normal', message: 'm', time: at });
    notifications.alert(podinfoCanary(), { type: 'alert', severity: 'info', message: 'm', fields: [] });
    await notifications.idle();
    server.events.removeListener('request:start', listener);
    expect(requests).toEqual([]);
  });
});
