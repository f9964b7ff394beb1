import { mockServices, registerMswTestHooks } from '@backstage/backend-test-utils';
import type { CanaryAlert } from '@delivery/plugin-delivery-common';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { KINDS, type KubeObject } from '../kube/types';
import { podinfoCanary } from '../routers/__fixtures__/podinfo';
import { FakeKube } from '../testing/fakeKube';
import { formatAlert } from './format';
import { AlertNotifier, type AlertAction } from './notifier';
import { globalProvider, type SecretGetter } from './providers';

const server = setupServer();
registerMswTestHooks(server);

// Loopback only: msw's interceptor still resolves host names.
const BASE = 'http://127.0.0.1:8089';

/** Records every POST to BASE/* (path, headers, parsed body) and answers with `status`. */
function receiver(status = 200, answer = 'ok') {
  const posts: Array<{ path: string; auth: string | null; raw: string; body: any }> = [];
  server.use(
    http.post(`${BASE}/*`, async ({ request }) => {
      const raw = await request.text();
      posts.push({ path: new URL(request.url).pathname, auth: request.headers.get('authorization'), raw, body: JSON.parse(raw) });
      return HttpResponse.text(answer, { status });
    }),
  );
  return posts;
}

const alert = (severity: AlertAction['severity'], message = `a ${severity} alert`): AlertAction => ({
  type: 'alert',
  severity,
  message,
  fields: [{ name: 'Target', value: 'Deployment/podinfo.test' }],
});

function provider(kube: FakeKube, name: string, spec: Record<string, unknown>, namespace = 'test') {
  kube.seed(KINDS.alertProvider, {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'AlertProvider',
    metadata: { name, namespace },
    spec,
  } as KubeObject);
}

function secret(kube: FakeKube, name: string, data: Record<string, string>, namespace = 'test') {
  const b64 = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  kube.seed(KINDS.secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: b64 } as KubeObject);
}

function setup(o: { secretsWatched?: boolean; global?: boolean; timeoutMs?: number } = {}) {
  const kube = new FakeKube();
  const logger = mockServices.logger.mock();
  const gets: string[] = [];
  const getSecret: SecretGetter = async (ns, name) => {
    gets.push(`${ns}/${name}`);
    return kube.get(KINDS.secret, ns, name) as any;
  };
  const notifier = new AlertNotifier({
    reader: kube,
    isSynced: kind => kind !== KINDS.secret || Boolean(o.secretsWatched),
    getSecret,
    logger,
    timeoutMs: o.timeoutMs,
    global: o.global ? globalProvider({ type: 'slack', url: `${BASE}/global`, channel: 'ops' }) : undefined,
  });
  return { kube, logger, notifier, gets };
}

const canaryWith = (alerts: CanaryAlert[]) => podinfoCanary({ analysis: { alerts } });

describe('AlertNotifier', () => {
  it('posts the exact Slack payload, fields in the order the core gave them, to the referenced provider', async () => {
    const posts = receiver();
    const { kube, notifier } = setup();
    provider(kube, 'slack', { type: 'slack', address: `${BASE}/slack`, channel: 'deploys' });
    const canary = canaryWith([{ name: 'on-call', severity: 'info', providerRef: { name: 'slack' } }]);

    const progressing = alert('info', 'New revision detected, progressing canary analysis.');
    progressing.fields.unshift({ name: 'Cluster', value: 'prod' });
    expect(await notifier.send(canary, progressing)).toEqual([
      { destination: 'alert provider slack.test', ok: true },
    ]);
    expect(posts).toHaveLength(1);
    expect(posts[0].path).toBe('/slack');
    expect(posts[0].auth).toBeNull();
    // Key order as Flagger marshals it; username defaults to flagger.
    expect(posts[0].raw).toBe(
      JSON.stringify({
        channel: 'deploys',
        username: 'flagger',
        icon_url: '',
        icon_emoji: ':rocket:',
        attachments: [
          {
            color: 'good',
            author_name: 'podinfo.test',
            text: 'New revision detected, progressing canary analysis.',
            mrkdwn_in: ['text'],
            fields: [
              { title: 'Cluster', value: 'prod', short: false },
              { title: 'Target', value: 'Deployment/podinfo.test', short: false },
            ],
          },
        ],
      }),
    );
  });

  it.each([
    ['slack', '/slack'],
    ['discord', '/discord/slack'],
    ['rocket', '/rocket'],
    ['msteams', '/msteams'],
    ['gchat', '/gchat'],
  ] as const)('%s: the receiver gets exactly the formatted JSON at %s', async (type, path) => {
    const posts = receiver();
    const { kube, notifier } = setup();
    provider(kube, 'p', { type, address: `${BASE}/${type}`, channel: 'deploys', username: 'bot' });
    const canary = canaryWith([{ name: 'x', severity: 'info', providerRef: { name: 'p' } }]);
    const failed = alert('error', 'Failed checks threshold reached 5');
    await notifier.send(canary, failed);
    const expected = formatAlert(
      { type, url: `${BASE}/${type}`, channel: 'deploys', username: 'bot', label: '' },
      { name: 'podinfo', namespace: 'test', message: failed.message, severity: 'error', fields: failed.fields },
    );
    expect(posts.map(p => [p.path, p.raw])).toEqual([[path, JSON.stringify(expected.body)]]);
  });

  it.each([
    // entry severity → which alert severities it receives (Flagger f; empty = info, docs/reconciler-semantics.md)
    ['info', ['info', 'warn', 'error']],
    ['', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
  ] as const)('an entry with severity %j receives %j', async (entrySeverity, receives) => {
    const posts = receiver();
    const { kube, notifier } = setup({ global: true });
    provider(kube, 'p', { type: 'slack', address: `${BASE}/p` });
    const canary = canaryWith([{ name: 'x', severity: entrySeverity, providerRef: { name: 'p' } }]);
    for (const s of ['info', 'warn', 'error'] as const) await notifier.send(canary, alert(s));
    expect(posts.map(p => p.body.attachments[0].text)).toEqual(receives.map(s => `a ${s} alert`));
    // The global notifier is not used while the canary declares alerts.
    expect(posts.every(p => p.path === '/p')).toBe(true);
  });

  it('routes one alert to every accepting entry, a provider namespace given in the ref', async () => {
    const posts = receiver();
    const { kube, notifier } = setup();
    provider(kube, 'teams', { type: 'msteams', address: `${BASE}/teams` }, 'shared');
    provider(kube, 'chat', { type: 'gchat', address: `${BASE}/chat` });
    const canary = canaryWith([
      { name: 'a', severity: 'error', providerRef: { name: 'teams', namespace: 'shared' } },
      { name: 'b', severity: 'info', providerRef: { name: 'chat' } },
    ]);
    await notifier.send(canary, alert('info'));
    await notifier.send(canary, alert('error'));
    expect(posts.map(p => p.path)).toEqual(['/chat', '/teams', '/chat']);
    expect(posts[1].body.themeColor).toBe('FF0000');
  });

  it('sends every severity to the global notifier when the canary has no alerts, nothing without one', async () => {
    const posts = receiver();
    const { notifier } = setup({ global: true });
    for (const s of ['info', 'warn', 'error'] as const) await notifier.send(podinfoCanary(), alert(s));
    expect(posts.map(p => [p.path, p.body.channel, p.body.attachments[0].color])).toEqual([
      ['/global', 'ops', 'good'],
      ['/global', 'ops', 'good'],
      ['/global', 'ops', 'danger'],
    ]);
    expect(await setup().notifier.send(podinfoCanary(), alert('error'))).toEqual([]);
  });

  describe('secretRef', () => {
    const canary = canaryWith([{ name: 'x', severity: 'info', providerRef: { name: 'p' } }]);

    it('takes address (over spec.address) and token from the Secret, by one GET when Secrets are not watched', async () => {
      const posts = receiver();
      const { kube, notifier, gets } = setup();
      provider(kube, 'p', { type: 'slack', address: `${BASE}/spec`, secretRef: { name: 'slack-url' } });
      secret(kube, 'slack-url', { address: `${BASE}/from-secret\n`, token: 'xoxb-123' });
      expect(await notifier.send(canary, alert('info'))).toEqual([{ destination: 'alert provider p.test', ok: true }]);
      expect(posts.map(p => [p.path, p.auth])).toEqual([['/from-secret', 'Bearer xoxb-123']]);
      expect(gets).toEqual(['test/slack-url']);
    });

    it('reads the Secret from the cache, without a GET, when Secrets are already watched', async () => {
      const posts = receiver();
      const { kube, notifier, gets } = setup({ secretsWatched: true });
      provider(kube, 'p', { type: 'msteams', secretRef: { name: 'teams-url' } });
      secret(kube, 'teams-url', { address: `${BASE}/teams` });
      await notifier.send(canary, alert('warn'));
      expect(posts.map(p => [p.path, p.auth, p.body['@type']])).toEqual([['/teams', null, 'MessageCard']]);
      expect(gets).toEqual([]);
    });

    it.each([
      ['a missing Secret', undefined, 'alert provider p.test secretRef error: secrets "s" not found'],
      ['a Secret without address', { token: 't' }, 'alert provider p.test secret does not contain an address'],
    ])('logs %s and sends nothing', async (_what, data, error) => {
      const posts = receiver();
      const { kube, notifier, logger } = setup();
      provider(kube, 'p', { type: 'slack', address: `${BASE}/spec`, secretRef: { name: 's' } });
      if (data) secret(kube, 's', data);
      expect(await notifier.send(canary, alert('info'))).toEqual([
        { destination: 'alert provider p.test', ok: false, error },
      ]);
      expect(posts).toEqual([]);
      expect(logger.error).toHaveBeenCalledWith(`canary podinfo.test: alert can't be sent: ${error}`);
    });
  });

  it('one broken provider does not stop the next; the error names the provider and the fix', async () => {
    const posts = receiver();
    const { kube, notifier } = setup();
    provider(kube, 'weird', { type: 'pagerduty', address: `${BASE}/x` });
    provider(kube, 'empty', { type: 'slack' });
    provider(kube, 'ok', { type: 'rocket', address: `${BASE}/rocket` });
    const canary = canaryWith(
      ['missing', 'weird', 'empty', 'ok'].map(n => ({ name: n, severity: 'info' as const, providerRef: { name: n } })),
    );
    const deliveries = await notifier.send(canary, alert('error'));
    expect(deliveries.map(d => d.error ?? 'ok')).toEqual([
      'alert provider missing.test error: alertprovider.flagger.app "missing" not found',
      'alert provider weird.test error: provider pagerduty not supported; use one of slack, msteams, discord, rocket, gchat',
      'alert provider empty.test has no address: set spec.address, or spec.secretRef to a Secret with key address',
      'ok',
    ]);
    expect(posts.map(p => [p.path, p.body.attachments[0].color])).toEqual([['/rocket', '#FF0000']]);
  });

  it('a non-2xx answer is logged with its status and body, without the URL, and does not reject', async () => {
    receiver(404, 'no_service');
    const { kube, notifier, logger } = setup();
    provider(kube, 'p', { type: 'discord', address: `${BASE}/api/webhooks/1/secret-token` });
    const canary = canaryWith([{ name: 'x', severity: 'info', providerRef: { name: 'p' } }]);
    const [delivery] = await notifier.send(canary, alert('info'));
    expect(delivery).toEqual({
      destination: 'alert provider p.test',
      ok: false,
      error: 'alert provider p.test send error: sending notification bad response 404: no_service',
    });
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('gives up on a receiver that does not answer within the timeout, once (no retry)', async () => {
    let calls = 0;
    server.use(
      http.post(`${BASE}/slow`, async () => {
        calls++;
        await delay('infinite');
        return HttpResponse.text('late');
      }),
    );
    const { kube, notifier } = setup({ timeoutMs: 100 });
    provider(kube, 'p', { type: 'slack', address: `${BASE}/slow` });
    const canary = canaryWith([{ name: 'x', severity: 'info', providerRef: { name: 'p' } }]);
    const [delivery] = await notifier.send(canary, alert('info'));
    expect(delivery.ok).toBe(false);
    expect(delivery.error).toMatch(/^alert provider p\.test send error: .*100ms/);
    expect(delivery.error).not.toContain('/slow');
    expect(calls).toBe(1);
  });

  it('an unreachable receiver is reported without its URL', async () => {
    const { kube, notifier } = setup();
    // msw fails the connection the way a refused or reset socket does.
    server.use(http.post('http://127.0.0.1:1/*', () => HttpResponse.error()));
    provider(kube, 'p', { type: 'gchat', address: 'http://127.0.0.1:1/v1/spaces/AAA/messages?key=secret' });
    const canary = canaryWith([{ name: 'x', severity: 'info', providerRef: { name: 'p' } }]);
    const [delivery] = await notifier.send(canary, alert('info'));
    expect(delivery.ok).toBe(false);
    expect(delivery.error).toMatch(/^alert provider p\.test send error: sending notification failed: /);
    expect(delivery.error).not.toContain('key=secret');
  });
});
