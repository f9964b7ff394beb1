import { ConfigReader } from '@backstage/config';
import { readDeliveryConfig } from './config';

describe('readDeliveryConfig', () => {
  it('reuses the Kubernetes plugin clusters when delivery.clusters is absent', () => {
    const config = readDeliveryConfig(
      new ConfigReader({
        kubernetes: {
          clusterLocatorMethods: [
            { type: 'catalog' },
            {
              type: 'config',
              clusters: [
                { name: 'prod', url: 'https://10.0.0.1:6443', authProvider: 'serviceAccount', serviceAccountToken: 't' },
              ],
            },
          ],
        },
      }),
    );
    expect(config.clusterSource).toBe('kubernetes.clusterLocatorMethods');
    expect(config.clusters).toEqual([
      expect.objectContaining({ name: 'prod', url: 'https://10.0.0.1:6443', serviceAccountToken: 't' }),
    ]);
    expect(config.reconciler.enabled).toBe(false);
    expect(config.reconciler.clusters).toEqual(['prod']);
  });

  it('prefers delivery.clusters over the Kubernetes plugin config', () => {
    const config = readDeliveryConfig(
      new ConfigReader({
        delivery: { clusters: [{ name: 'dev', url: 'https://127.0.0.1:6443' }] },
        kubernetes: { clusterLocatorMethods: [{ type: 'config', clusters: [{ name: 'x', url: 'https://y' }] }] },
      }),
    );
    expect(config.clusters.map(c => c.name)).toEqual(['dev']);
  });

  it('reads the global notifier and the event webhook, both optional', () => {
    const reconciler = (data: object) => readDeliveryConfig(new ConfigReader({ delivery: { reconciler: data } })).reconciler;
    expect(reconciler({})).toMatchObject({ notifier: undefined, eventWebhookUrl: undefined });
    expect(
      reconciler({
        notifier: { type: 'msteams', url: 'https://example.webhook.office.com/x', proxy: 'http://proxy:3128' },
        eventWebhookUrl: 'http://events.ops:8080/flagger',
      }),
    ).toMatchObject({
      notifier: { type: 'msteams', url: 'https://example.webhook.office.com/x', proxy: 'http://proxy:3128' },
      eventWebhookUrl: 'http://events.ops:8080/flagger',
    });
  });

  it.each([
    [{ delivery: { clusters: [{ name: 'a', url: 'not a url' }] } }, /delivery.clusters\[0\].url/],
    [{ delivery: { clusters: [{ name: 'a', url: 'https://x', authProvider: 'oidc' }] } }, /authProvider.*serviceAccount/],
    [
      { delivery: { clusters: [{ name: 'a', url: 'https://x' }, { name: 'a', url: 'https://y' }] } },
      /configured twice/,
    ],
    [
      { delivery: { clusters: [{ name: 'a', url: 'https://x' }], reconciler: { clusters: ['b'] } } },
      /delivery.reconciler.clusters: "b" is not a configured cluster/,
    ],
    [{ delivery: { reconciler: { workers: 0 } } }, /delivery.reconciler.workers: must be a positive number/],
    [
      { delivery: { reconciler: { notifier: { type: 'pagerduty', url: 'https://x' } } } },
      /delivery.reconciler.notifier.type: "pagerduty" is not supported; use one of slack, msteams, discord, rocket, gchat/,
    ],
    [
      { delivery: { reconciler: { notifier: { type: 'slack', url: 'hooks.slack.com/services/T/B/secret' } } } },
      /^delivery.reconciler.notifier.url: not an http\(s\) URL; expected e.g. https:[^]*…$/,
    ],
    [{ delivery: { reconciler: { eventWebhookUrl: 'ftp://x' } } }, /delivery.reconciler.eventWebhookUrl: not an http/],
  ])('rejects %j', (data, message) => {
    expect(() => readDeliveryConfig(new ConfigReader(data))).toThrow(message);
  });
});
