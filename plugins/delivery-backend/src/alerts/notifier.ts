import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Canary } from '@delivery/plugin-delivery-common';
import { alertRoute } from '../reconciler/decide/alerts';
import type { TickAction } from '../reconciler/types';
import { httpRequest } from '../webhooks/httpRequest';
import { formatAlert } from './format';
import { resolveAlertProvider, type ProviderSources } from './providers';
import { proxyAgent } from './proxy';
import type { AlertMessage, AlertPost, ResolvedProvider } from './types';

/**
 * Sends a tick's alerts (f): to the canary's AlertProviders whose severity filter accepts the alert, or — only when
 * the canary declares no alerts — to the global notifier. One POST per destination, 5 s deadline, no retry; a
 * failure is logged and never reaches the tick.
 */

export type AlertAction = Extract<TickAction, { type: 'alert' }>;

export interface AlertNotifierOptions extends ProviderSources {
  /** The controller-wide notifier; without it, canaries without alerts send nothing. */
  global?: ResolvedProvider;
  logger: LoggerService;
  /** Per POST, including the provider lookup. Default 5000 (Flagger's). */
  timeoutMs?: number;
}

/** What happened to one destination of one alert (for tests and logs). */
export interface AlertDelivery {
  destination: string;
  ok: boolean;
  error?: string;
}

export class AlertNotifier {
  private readonly timeoutMs: number;

  constructor(private readonly o: AlertNotifierOptions) {
    this.timeoutMs = o.timeoutMs ?? 5000;
  }

  /** Sends one alert everywhere it is routed. Never rejects. */
  async send(canary: Canary, alert: AlertAction): Promise<AlertDelivery[]> {
    const message: AlertMessage = {
      name: canary.metadata.name,
      namespace: canary.metadata.namespace ?? 'default',
      message: alert.message,
      severity: alert.severity,
      // The core already put the `Cluster` field first when the reconciler has a cluster name.
      fields: alert.fields,
    };
    const route = alertRoute(canary, alert.severity);
    if (route.kind === 'global') {
      return this.o.global ? [await this.deliver(this.o.global, message, AbortSignal.timeout(this.timeoutMs))] : [];
    }
    const deliveries: AlertDelivery[] = [];
    for (const ref of route.providers) {
      const signal = AbortSignal.timeout(this.timeoutMs);
      const resolved = await resolveAlertProvider(this.o, ref, signal);
      if ('error' in resolved) {
        this.logFailure(message, resolved.error);
        deliveries.push({ destination: `alert provider ${ref.name}.${ref.namespace}`, ok: false, error: resolved.error });
        continue;
      }
      deliveries.push(await this.deliver(resolved.provider, message, signal));
    }
    return deliveries;
  }

  private async deliver(p: ResolvedProvider, m: AlertMessage, signal: AbortSignal): Promise<AlertDelivery> {
    try {
      await postAlert(formatAlert(p, m), { proxy: p.proxy, timeoutMs: this.timeoutMs, signal });
      return { destination: p.label, ok: true };
    } catch (e) {
      const error = `${p.label} send error: ${(e as Error).message}`;
      this.logFailure(m, error);
      return { destination: p.label, ok: false, error };
    }
  }

  private logFailure(m: AlertMessage, error: string) {
    this.o.logger.error(`canary ${m.name}.${m.namespace}: alert can't be sent: ${error}`);
  }
}

/** One POST; resolves on 2xx, else throws with the status and the response body. */
export async function postAlert(
  post: AlertPost,
  o: { timeoutMs: number; proxy?: string; signal?: AbortSignal },
): Promise<void> {
  const agent = o.proxy ? proxyAgent(o.proxy, post.url, o.timeoutMs) : undefined;
  try {
    const res = await httpRequest({
      method: 'POST',
      url: post.url,
      headers: post.headers,
      body: JSON.stringify(post.body),
      timeoutMs: o.timeoutMs,
      signal: o.signal,
      agent,
      maxBodyBytes: 4096,
    }).catch(e => {
      if (o.signal?.aborted) throw new Error(`no answer within ${o.timeoutMs}ms`);
      // Connection errors name the URL, which is a credential for most chat products.
      throw new Error(`sending notification failed: ${(e as Error).message.replace(post.url, '<address>')}`);
    });
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`sending notification bad response ${res.status}: ${res.body.trim()}`);
    }
  } finally {
    agent?.destroy();
  }
}
