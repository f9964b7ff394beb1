import { LoggerService } from '@backstage/backend-plugin-api';
import { SignalsService } from '@backstage/plugin-signals-node';
import { CanaryRef, CanarySignalMessage, DELIVERY_CANARY_SIGNAL_CHANNEL, canaryKey } from '@delivery/plugin-delivery-common';

export interface CanarySignalPublisherOptions {
  signals: Pick<SignalsService, 'publish'>;
  logger: LoggerService;
  /** At most one message per canary per this many milliseconds. */
  intervalMs?: number;
  now?: () => number;
}

/**
 * Announces changed canaries on `delivery:canary`, at most one message per canary per interval: the first change is
 * sent at once, later ones within the interval collapse into one trailing message. Broadcast on purpose — the
 * message names the canary only, and the browser re-fetches through the permission-checked API.
 */
export class CanarySignalPublisher {
  private readonly lastSent = new Map<string, number>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly o: Required<CanarySignalPublisherOptions>;
  private stopped = false;

  constructor(options: CanarySignalPublisherOptions) {
    this.o = { intervalMs: 1000, now: Date.now, ...options };
  }

  changed(ref: CanaryRef): void {
    if (this.stopped) return;
    const key = canaryKey(ref);
    if (this.pending.has(key)) return;
    const wait = (this.lastSent.get(key) ?? -Infinity) + this.o.intervalMs - this.o.now();
    if (wait <= 0) {
      this.send(key, ref);
      return;
    }
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        this.send(key, ref);
      }, wait),
    );
  }

  private send(key: string, ref: CanaryRef) {
    this.lastSent.set(key, this.o.now());
    // Forget old keys so deleted canaries do not accumulate.
    if (this.lastSent.size > 50_000) {
      const cutoff = this.o.now() - this.o.intervalMs;
      for (const [k, t] of this.lastSent) if (t < cutoff) this.lastSent.delete(k);
    }
    const message: CanarySignalMessage = { cluster: ref.cluster, namespace: ref.namespace, name: ref.name };
    this.o.signals
      .publish({ recipients: { type: 'broadcast' }, channel: DELIVERY_CANARY_SIGNAL_CHANNEL, message: { ...message } })
      .catch(e => this.o.logger.warn(`signal for ${key} not published: ${(e as Error).message}`));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}
