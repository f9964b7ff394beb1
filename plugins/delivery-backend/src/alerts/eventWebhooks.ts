import type { LoggerService } from '@backstage/backend-plugin-api';
import { effectiveAnalysis, type Canary, type CanaryWebhook } from '@delivery/plugin-delivery-common';
import type { KubeObject, ObjectWriter } from '../kube/types';
import type { WebhookCaller, WebhookResult } from '../webhooks/call';

/**
 * Forwards the Kubernetes events a tick records (g) to the canary's `event` webhooks, or — when it has none — to
 * the controller-wide event webhook (Flagger's `-event-webhook` / `EVENT_WEBHOOK_URL`). The payload is the event
 * hook payload of c; timeout, retries and disableTLS are the hook's own. Failures are logged only.
 */

export interface CanaryEvent {
  type: 'Normal' | 'Warning';
  message: string;
  /** When the event was recorded; the payload's `timestamp`. */
  time: Date;
}

export interface EventWebhookForwarderOptions {
  webhooks: WebhookCaller;
  /** Controller-wide event webhook URL; used only for canaries without `event` hooks. */
  globalUrl?: string;
  logger: LoggerService;
}

export class EventWebhookForwarder {
  constructor(private readonly o: EventWebhookForwarderOptions) {}

  /** The hooks an event of this canary goes to: its `event` hooks in spec order, else the global one. */
  targets(canary: Canary): CanaryWebhook[] {
    const own = (effectiveAnalysis(canary.spec)?.webhooks ?? []).filter(h => h.type === 'event');
    if (own.length) return own;
    return this.o.globalUrl ? [{ name: 'events', url: this.o.globalUrl }] : [];
  }

  /** Posts one event to every target, in order. Never rejects. */
  async forward(canary: Canary, checksum: string, event: CanaryEvent): Promise<WebhookResult[]> {
    const results: WebhookResult[] = [];
    for (const hook of this.targets(canary)) {
      const result = await this.o.webhooks.callEvent(canary, hook, checksum, event).catch(
        (e): WebhookResult => ({ ok: false, attempts: 0, failure: 'connection', message: (e as Error).message }),
      );
      if (!result.ok) {
        this.o.logger.error(
          `canary ${canary.metadata.name}.${canary.metadata.namespace}: error sending event to webhook ${hook.name}: ${
            result.message ?? result.failure
          }`,
        );
      }
      results.push(result);
    }
    return results;
  }
}

/**
 * A writer that hands every event it is asked to record to `onEvent` as well, so all of a tick's events — from
 * actions, post-rollout hooks, failed actions or a refused spec — are forwarded without each site knowing.
 * Wrapped inside the tick's lease-checking writer: an event refused there is neither recorded nor forwarded.
 */
export function forwardingEvents(inner: ObjectWriter, onEvent: (event: CanaryEvent) => void, now: () => Date): ObjectWriter {
  return {
    create: (kind, obj, opts) => inner.create(kind, obj, opts),
    update: (kind, ns, name, mutate, opts) => inner.update(kind, ns, name, mutate, opts),
    mergePatch: (kind, ns, name, patch, opts) => inner.mergePatch(kind, ns, name, patch, opts),
    updateStatus: (kind, ns, name, mutate, opts) => inner.updateStatus(kind, ns, name, mutate, opts),
    delete: (kind, ns, name, opts) => inner.delete(kind, ns, name, opts),
    recordEvent: (involved: KubeObject, event, opts) => {
      onEvent({ type: event.type, message: event.message, time: now() });
      return inner.recordEvent(involved, event, opts);
    },
  };
}
