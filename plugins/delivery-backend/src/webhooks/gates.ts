import type { Canary, WebhookType } from '@delivery/plugin-delivery-common';

/**
 * Webhooks that point at this backend's own gate endpoints (approve a rollout, a traffic increase, a promotion, or
 * request a rollback from the Delivery tab) are answered from the gate store directly: no HTTP round trip to
 * ourselves, and no dependency on the backend being reachable from itself.
 */
export interface GateResolver {
  /** True when `url` is one of our gate URLs (for any canary). */
  handles(url: string): boolean;
  /**
   * Whether the gate for this canary and hook type is open. For `rollback` hooks "open" means a rollback was
   * requested, matching the load tester's `/rollback/check`.
   */
  isOpen(
    canary: Canary,
    type: WebhookType,
    opts?: { signal?: AbortSignal },
  ): Promise<boolean>;
}
