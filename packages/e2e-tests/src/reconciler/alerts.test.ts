import http from 'node:http';
import { freePort } from '../lib/backend';
import { describeE2e } from '../lib/gate';
import { eventRecorder, ReconcilerEnv } from '../lib/reconcilerEnv';

/**
 * Alerts and event webhooks on the local control plane: the reconciler (as the least-privilege ServiceAccount)
 * reads an AlertProvider and its Secret, posts Slack payloads to a receiver in this process, and forwards every
 * event it records to the canary's `event` webhook, in order.
 */

interface Received {
  path: string;
  authorization?: string;
  body: any;
}

describeE2e('reconciler: alerts and event webhooks on a real cluster', () => {
  let env: ReconcilerEnv;
  let receiver: http.Server;
  let base = '';
  const received: Received[] = [];
  const ns = 'alerts';

  beforeAll(async () => {
    env = await ReconcilerEnv.start({ name: 'rec-alerts' });
    const port = await freePort();
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', c => (body += c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(body) });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>(r => receiver.listen(port, '127.0.0.1', r));
    base = `http://127.0.0.1:${port}`;
    const token = await env.serviceAccountToken();
    await env.ensureNamespace(ns);
    await env.startReconciler({ token, identity: 'replica-1', namespaces: [ns], leaseName: 'delivery-reconciler' });
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
    await new Promise(r => (receiver ? receiver.close(r) : r(undefined)));
  }, 60_000);

  const at = (path: string) => received.filter(r => r.path === path);

  it('posts Slack alerts through an AlertProvider with a secretRef and forwards every event in order', async () => {
    // The Slack provider's address and token live in a Secret (read by one GET: nothing watches Secrets here).
    await env.must({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/secrets`,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'slack-url', namespace: ns },
        stringData: { address: `${base}/slack`, token: 'xoxb-e2e' },
      },
    });
    const provider = (name: string, spec: Record<string, unknown>) =>
      env.must({
        method: 'POST',
        path: `/apis/flagger.app/v1beta1/namespaces/${ns}/alertproviders`,
        body: { apiVersion: 'flagger.app/v1beta1', kind: 'AlertProvider', metadata: { name, namespace: ns }, spec },
      });
    await provider('on-call', { type: 'slack', channel: 'deploys', secretRef: { name: 'slack-url' } });
    await provider('incidents', { type: 'msteams', address: `${base}/teams` });

    const events = eventRecorder(env.observer(), ns, 'podinfo');
    await env.createDeployment(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.0');
    await env.createCanary(ns, 'podinfo', {
      provider: 'linkerd',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: {
        interval: '1s',
        threshold: 2,
        maxWeight: 20,
        stepWeight: 10,
        alerts: [
          { name: 'deploys', severity: 'info', providerRef: { name: 'on-call' } },
          // A successful run raises no error: this provider must stay silent.
          { name: 'pager', severity: 'error', providerRef: { name: 'incidents', namespace: ns } },
        ],
        webhooks: [{ name: 'audit', type: 'event', url: `${base}/events`, metadata: { team: 'web' } }],
      },
    });
    await env.waitPhase(ns, 'podinfo', 'Initialized', 60_000);
    await env.setImage(ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.1');
    await env.waitPhase(ns, 'podinfo', 'Succeeded', 90_000);

    const id = `podinfo.${ns}`;
    const texts = [
      'New Deployment detected, initialization completed.',
      'New revision detected, progressing canary analysis.',
      'Canary analysis completed successfully, promotion finished.',
    ];
    await env.waitFor('three Slack alerts', async () => at('/slack').length >= texts.length, 15_000);
    const slack = at('/slack');
    expect(slack.map(r => r.body.attachments[0].text)).toEqual(texts);
    expect(slack.every(r => r.authorization === 'Bearer xoxb-e2e')).toBe(true);
    const progressing = slack[1].body;
    expect(progressing).toEqual({
      channel: 'deploys',
      username: 'flagger',
      icon_url: '',
      icon_emoji: ':rocket:',
      attachments: [
        {
          color: 'good',
          author_name: id,
          text: 'New revision detected, progressing canary analysis.',
          mrkdwn_in: ['text'],
          fields: [
            { title: 'Cluster', value: env.cluster.name, short: false },
            { title: 'Target', value: `Deployment/${id}`, short: false },
            { title: 'Failed checks threshold', value: '2', short: false },
            { title: 'Progress deadline', value: '600s', short: false },
            { title: 'Traffic routing', value: 'Weight step: 10 max: 20', short: false },
          ],
        },
      ],
    });
    expect(slack[2].body.attachments[0].fields).toEqual([{ title: 'Cluster', value: env.cluster.name, short: false }]);
    expect(at('/teams')).toEqual([]);

    // Every recorded event reached the event hook, in the order recorded, with Flagger's event payload.
    const normal = [
      `Initialization done! ${id}`,
      `New revision detected! Scaling up ${id}`,
      `Starting canary analysis for ${id}`,
      `Advance ${id} canary weight 10`,
      `Advance ${id} canary weight 20`,
      `Copying ${id} template spec to podinfo-primary.${ns}`,
      'Routing all traffic to primary',
      `Promotion completed! Scaling down ${id}`,
    ];
    await env.waitFor('the last event forwarded', async () =>
      at('/events').some(r => r.body.metadata.eventMessage === normal[normal.length - 1]),
    );
    const hooked = at('/events');
    const hookedNormal = hooked.filter(r => r.body.metadata.eventType === 'Normal').map(r => r.body.metadata.eventMessage);
    expect(hookedNormal.filter(m => m !== 'all the metrics providers are available!')).toEqual(normal);
    // Readiness waits, and the metrics server check while initializing (no Prometheus in this suite).
    for (const w of hooked.filter(r => r.body.metadata.eventType === 'Warning')) {
      expect(w.body.metadata.eventMessage).toMatch(/not ready|^Error checking metric providers: /);
    }
    // What the hook got is what `kubectl describe canary` shows (first occurrences, same order).
    const firsts = [...new Set(hooked.map(r => `${r.body.metadata.eventType}: ${r.body.metadata.eventMessage}`))];
    expect(firsts).toEqual(events.seen.map(e => `${e.type}: ${e.message}`));
    events.stop();

    const copying = hooked.find(r => r.body.metadata.eventMessage.startsWith('Copying'))!.body;
    expect(copying).toEqual({
      name: 'podinfo',
      namespace: ns,
      phase: 'Progressing',
      checksum: expect.stringMatching(/^[0-9a-f]{16}$/),
      metadata: {
        eventMessage: `Copying ${id} template spec to podinfo-primary.${ns}`,
        eventType: 'Normal',
        timestamp: expect.stringMatching(/^\d{13}$/),
        team: 'web',
      },
    });
    const stamps = hooked.map(r => Number(r.body.metadata.timestamp));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  }, 180_000);
});
