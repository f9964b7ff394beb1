import Router from 'express-promise-router';
import type { CanaryMetrics } from './canaryMetrics';

/** Path of the Prometheus endpoint inside the plugin: `<backend>/api/delivery/metrics`. */
export const METRICS_PATH = '/metrics';

/**
 * Serves the Flagger-compatible series for Prometheus. Unauthenticated like `/health` (Prometheus scrapers carry no
 * Backstage token); it exposes canary names, phases and weights, so keep the backend port internal or put the
 * endpoint behind your ingress' own auth if those are sensitive.
 */
export function createMetricsRouter(metrics: CanaryMetrics) {
  const router = Router();
  router.get(METRICS_PATH, async (_req, res) => {
    const { contentType, body } = await metrics.render();
    res.setHeader('Content-Type', contentType);
    res.send(body);
  });
  return router;
}
