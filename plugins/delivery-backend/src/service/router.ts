import { HttpAuthService, LoggerService } from '@backstage/backend-plugin-api';
import { ClusterHealth } from '@delivery/plugin-delivery-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { parseInput } from './validation';

/** Anything that can tell the health of the clusters the plugin talks to. */
export interface ClusterHealthSource {
  clusterHealth(): ClusterHealth[];
}

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  health: ClusterHealthSource;
}

const healthQuery = z
  .object({
    verbose: z.enum(['true', 'false']).optional(),
  })
  .strict();

/**
 * The plugin's HTTP surface. Handlers stay thin: parse with zod, authorize, call a service, respond.
 */
export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { health } = options;
  const router = Router();
  router.use(express.json({ limit: '100kb' }));

  // Liveness of the plugin itself plus a per-cluster summary; open to unauthenticated callers (load balancers),
  // so it reveals cluster names and states only, never credentials or canary data.
  router.get('/health', async (req, res) => {
    const query = parseInput(healthQuery, req.query, 'query');
    const clusters = health.clusterHealth();
    const body: Record<string, unknown> = { status: 'ok' };
    body.clusters = clusters.map(c =>
      query.verbose === 'true'
        ? { name: c.name, state: c.state, lastSyncTime: c.lastSyncTime, message: c.message }
        : { name: c.name, state: c.state },
    );
    res.json(body);
  });

  return router;
}
