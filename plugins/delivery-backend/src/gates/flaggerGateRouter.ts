import { LoggerService } from '@backstage/backend-plugin-api';
import { Canary, CanaryRef } from '@delivery/plugin-delivery-common';
import express from 'express';
import Router from 'express-promise-router';
import { createHash, timingSafeEqual } from 'node:crypto';
import { isGateOpen } from './resolver';
import { RateLimiter } from './rateLimiter';
import { GateStore, isGateType } from './types';

export interface FlaggerGateRouterOptions {
  store: GateStore;
  /** Per-cluster shared secrets (`delivery.gates.clusterSecrets`); a cluster without one has no gate endpoint. */
  clusterSecrets: Record<string, string>;
  canary(ref: CanaryRef): Canary | undefined;
  logger: LoggerService;
  /** Requests per second per caller address, default 20 with a burst of 100. */
  requests?: RateLimiter;
  /** Failed secret or cluster guesses per caller address, default 10 at once then 1 per minute. */
  failures?: RateLimiter;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
/** Compares digests so the time taken reveals neither the secret's length nor a matching prefix. */
const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * The endpoint an upstream Flagger's gate webhooks call: `POST /gates/<cluster>/<secret>/<gate type>` with Flagger's
 * payload. It answers like the load tester's `/gate/check` (`200 Approved` when open, `403 Forbidden` when closed)
 * for the canary named in the payload, and says nothing else: no gate details, no canary data, no hint whether the
 * canary exists. The shared secret authenticates the cluster; Backstage tokens are not involved.
 */
export function createFlaggerGateRouter(options: FlaggerGateRouterOptions): express.Router {
  const requests = options.requests ?? new RateLimiter({ perSecond: 20, burst: 100 });
  const failures = options.failures ?? new RateLimiter({ perSecond: 1 / 60, burst: 10 });
  const router = Router();
  router.use(express.json({ limit: '16kb' }));

  router.post('/gates/:cluster/:secret/:type', async (req, res) => {
    const caller = req.ip ?? 'unknown';
    if (!failures.available(caller) || !requests.take(caller)) {
      res.status(429).set('Retry-After', '1').type('text/plain').send('Too Many Requests');
      return;
    }
    const { cluster, secret, type } = req.params;
    const expected = Object.prototype.hasOwnProperty.call(options.clusterSecrets, cluster)
      ? options.clusterSecrets[cluster]
      : undefined;
    if (expected === undefined || !expected) {
      failures.take(caller);
      res.status(404).type('text/plain').send('Not Found');
      return;
    }
    if (!sameSecret(secret, expected)) {
      failures.take(caller);
      options.logger.warn(`gate webhook for cluster ${cluster}: wrong secret from ${caller}`);
      res.status(401).type('text/plain').send('Unauthorized');
      return;
    }
    if (!isGateType(type)) {
      res.status(404).type('text/plain').send('Not Found');
      return;
    }
    const body = req.body as { name?: unknown; namespace?: unknown } | undefined;
    const name = typeof body?.name === 'string' ? body.name : '';
    const namespace = typeof body?.namespace === 'string' ? body.namespace : '';
    if (!NAME.test(name) || !NAME.test(namespace)) {
      res.status(400).type('text/plain').send('payload must be JSON with the canary "name" and "namespace"');
      return;
    }
    const ref = { cluster, namespace, name };
    const canary = options.canary(ref);
    // An unknown canary is simply closed, so the endpoint cannot be used to probe which canaries exist.
    const open = canary ? await isGateOpen(options.store, ref, canary, type) : false;
    if (open) res.status(200).type('text/plain').send('Approved');
    else res.status(403).type('text/plain').send('Forbidden');
  });

  return router;
}
