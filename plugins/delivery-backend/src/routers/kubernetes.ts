import type { Canary } from '@delivery/plugin-delivery-common';
import type { Router, RouterCapabilities, Routes, SpecProblem } from './router';

/**
 * Provider `kubernetes`: plain ClusterIP services, no routing object. Only Blue/Green is possible; the apex Service
 * always selects the primary and the canary is reachable through `<svc>-canary` only. Flagger coerces A/B and
 * progressive specs into Blue/Green for this provider (with Warning events the reconciler emits), so they are not
 * reported as problems here.
 */
export class KubernetesRouter implements Router {
  readonly provider = 'kubernetes';
  readonly capabilities: RouterCapabilities = {
    mirror: false,
    mirrorStrategies: [],
    abMatch: false,
  };

  objectRef(): undefined {
    return undefined;
  }

  validate(_canary: Canary): SpecProblem[] {
    return [];
  }

  async reconcile(): Promise<void> {}

  async setRoutes(): Promise<void> {}

  /** No object to read: "all traffic on canary" is inferred from the run having completed an iteration. */
  async getRoutes(canary: Canary): Promise<Routes> {
    return kubernetesRoutes(canary.status?.iterations ?? 0);
  }

  async finalize(): Promise<void> {}
}

export function kubernetesRoutes(iterations: number): Routes {
  return iterations > 0
    ? { primary: 0, canary: 100, mirrored: false }
    : { primary: 100, canary: 0, mirrored: false };
}
