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
  ])('rejects %j', (data, message) => {
    expect(() => readDeliveryConfig(new ConfigReader(data))).toThrow(message);
  });
});
