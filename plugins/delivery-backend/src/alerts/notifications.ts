import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Canary } from '@delivery/plugin-delivery-common';
import { runChecksum } from '../reconciler/effects';
import type { WebhookCaller } from '../webhooks/call';
import { EventWebhookForwarder, type CanaryEvent } from './eventWebhooks';
import { AlertNotifier, type AlertAction } from './notifier';
import { Outbox } from './outbox';
import { globalProvider, type GlobalNotifierConfig, type ProviderSources } from './providers';

/**
 * What a tick hands its alerts and events to. Both leave through an outbox, so the tick never waits for a chat
 * service or an event hook, and each canary's notifications still arrive in the order they were decided.
 */
export interface CanaryNotifications {
  alert(canary: Canary, alert: AlertAction): void;
  event(canary: Canary, event: CanaryEvent): void;
  /** Resolves once everything queued so far has been sent or has failed. */
  idle(): Promise<void>;
}

export interface CanaryNotificationsOptions extends ProviderSources {
  webhooks: WebhookCaller;
  logger: LoggerService;
  /** `delivery.reconciler.notifier`. */
  notifier?: GlobalNotifierConfig;
  /** `delivery.reconciler.eventWebhookUrl`. */
  eventWebhookUrl?: string;
  /** Per alert POST (default 5000). */
  alertTimeoutMs?: number;
  maxPending?: number;
}

export function createCanaryNotifications(o: CanaryNotificationsOptions): CanaryNotifications {
  const outbox = new Outbox({ logger: o.logger, maxPending: o.maxPending });
  const notifier = new AlertNotifier({
    reader: o.reader,
    isSynced: o.isSynced,
    getSecret: o.getSecret,
    global: o.notifier ? globalProvider(o.notifier) : undefined,
    logger: o.logger,
    timeoutMs: o.alertTimeoutMs,
  });
  const events = new EventWebhookForwarder({ webhooks: o.webhooks, globalUrl: o.eventWebhookUrl, logger: o.logger });
  const key = (c: Canary, lane: string) => `canary ${c.metadata.name}.${c.metadata.namespace} ${lane}`;
  return {
    alert(canary, alert) {
      o.logger.info(`canary ${canary.metadata.name}.${canary.metadata.namespace} alert (${alert.severity}): ${alert.message}`);
      outbox.enqueue(key(canary, 'alerts'), `alert "${alert.message}"`, () => notifier.send(canary, alert));
    },
    event(canary, event) {
      if (!events.targets(canary).length) return;
      // The checksum and phase are the canary's as the tick observed it, as in Flagger.
      const checksum = runChecksum(canary);
      outbox.enqueue(key(canary, 'events'), `event "${event.message}"`, () => events.forward(canary, checksum, event));
    },
    idle: () => outbox.idle(),
  };
}
