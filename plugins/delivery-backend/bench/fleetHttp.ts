import http from 'node:http';
import { AddressInfo } from 'node:net';
import type { BackstageCredentials, LoggerService } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import type { FleetAggregator } from '../src/fleet/aggregator';
import { createRouter } from '../src/service/router';

/**
 * The plugin's real read routes over a fleet, on loopback, for benchmarks: every caller is allowed, every entity ref
 * resolves to a component whose kubernetes-id is its name. `serverMs` collects request → finish times in-process.
 */
export async function serveFleet(fleet: FleetAggregator, logger: LoggerService) {
  const serverMs: number[] = [];
  const credentials = {
    $$type: '@backstage/BackstageCredentials',
    principal: { type: 'user', userEntityRef: 'user:default/ann' },
  } as BackstageCredentials;
  const entity = (ref: string) => {
    const name = ref.split('/')[1];
    return {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name, namespace: 'default', annotations: { 'backstage.io/kubernetes-id': name } },
      spec: {},
    };
  };
  const router = await createRouter({
    logger,
    httpAuth: { credentials: async () => credentials } as never,
    health: fleet,
    permissions: { authorizeConditional: async () => [{ result: AuthorizeResult.ALLOW }] } as never,
    catalog: { getEntityByRef: async (ref: unknown) => entity(String(ref)) } as never,
    fleet,
    details: { details: async () => undefined },
  });
  const app = express();
  app.use((_req, res, next) => {
    const t = performance.now();
    res.on('finish', () => serverMs.push(performance.now() - t));
    next();
  });
  app.use('/api/delivery', router);
  const server = http.createServer(app);
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/delivery`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const get = (path: string) =>
    new Promise<void>((resolve, reject) => {
      http
        .get(`${base}${path}`, { agent, timeout: 30_000 }, res => {
          if (res.statusCode !== 200) reject(new Error(`${path}: HTTP ${res.statusCode}`));
          res.resume();
          res.on('end', () => resolve());
        })
        .on('error', reject);
    });
  const close = () =>
    new Promise<void>(r => {
      agent.destroy();
      server.close(() => r());
    });
  return { serverMs, get, close };
}
