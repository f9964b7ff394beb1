import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/types';
import request from 'supertest';
import { deliveryPlugin } from './plugin';

const clusters = [
  { name: 'dev', url: 'https://127.0.0.1:1', serviceAccountToken: 'secret-token', skipTLSVerify: true },
];

describe('deliveryPlugin', () => {
  async function start(data: JsonObject = { delivery: { clusters } }) {
    const { server } = await startTestBackend({
      features: [deliveryPlugin, mockServices.rootConfig.factory({ data })],
    });
    return server;
  }

  it('answers its health route without credentials and reveals no secrets', async () => {
    const server = await start();
    const res = await request(server)
      .get('/api/delivery/health')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.clusters.map((c: { name: string }) => c.name)).toEqual(['dev']);
    expect(JSON.stringify(res.body)).not.toContain('secret-token');
  });

  it('rejects unknown health query parameters with a message naming the field', async () => {
    const server = await start();
    const res = await request(server).get('/api/delivery/health?verbose=maybe');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('query.verbose');
  });

  it('registers its permissions and the canary resource type', async () => {
    const server = await start();
    const res = await request(server).get(
      '/api/delivery/.well-known/backstage/permissions/metadata',
    );
    expect(res.status).toBe(200);
    const names = res.body.permissions.map((p: { name: string }) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['delivery.canary.read', 'delivery.canary.approve', 'delivery.canary.operate']),
    );
    const rules = res.body.rules.map((r: { name: string }) => r.name);
    expect(rules).toEqual(expect.arrayContaining(['IS_IN_CLUSTER', 'IS_IN_NAMESPACE', 'IS_ENTITY_OWNER']));
  });

  it('fails to start with an error naming the bad config key', async () => {
    await expect(
      start({ delivery: { clusters: [{ name: 'Dev Cluster', url: 'https://x' }] } }),
    ).rejects.toThrow(/cluster name "Dev Cluster" is invalid/);
  });
});
