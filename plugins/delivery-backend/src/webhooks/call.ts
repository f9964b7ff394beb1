import type {
  Canary,
  CanaryPhase,
  CanaryWebhook,
  CheckErrorClass,
  WebhookType,
} from '@delivery/plugin-delivery-common';
import type { GateResolver } from './gates';
import {
  HttpConnectionError,
  HttpTimeoutError,
  httpRequest,
  type HttpResponse,
} from './httpRequest';

/**
 * Calls Flagger-style webhooks: POST of `{name, namespace, phase, checksum, metadata?}`, success when the status is
 * at most 202 (203–299 count as failures, as in Flagger, so existing hook servers keep their meaning), the response
 * body as the error text, and go-retryablehttp's retry policy for `retries`: connection errors, timeouts, 429 and
 * 5xx except 501 are retried with exponential backoff 1s, 2s, 4s… capped at 30s; Retry-After is honoured for 429
 * and 503 but capped at 30s too, so a hook cannot stall a tick for minutes. 4xx are never retried.
 */

export interface WebhookPayload {
  name: string;
  namespace: string;
  phase: CanaryPhase;
  checksum: string;
  metadata?: Record<string, string>;
}

/**
 * Why a call failed. `status`: the hook answered and said no (or kept answering 5xx). `connection`/`timeout`/`tls`:
 * it never answered, so the URL or the network is at fault — a reconciler should halt rather than treat it as a
 * verdict. `invalid`: the webhook spec itself is unusable (URL, timeout). `gate`: the gate store failed.
 */
export type WebhookFailureClass =
  | 'status'
  | 'connection'
  | 'timeout'
  | 'tls'
  | 'invalid'
  | 'gate';

export interface WebhookResult {
  ok: boolean;
  /** HTTP status of the last response, if any. */
  status?: number;
  /** HTTP attempts made; 0 when answered by the gate store or rejected before sending. */
  attempts: number;
  failure?: WebhookFailureClass;
  /** Flagger's error text: the response body, or `POST <url> giving up after <n> attempt(s)`. */
  message?: string;
  /** True when a GateResolver answered instead of HTTP. */
  viaGate?: boolean;
}

export interface WebhookCallerOptions {
  /** Waits between attempts; injectable so tests need not wait. Must reject when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  gates?: GateResolver;
  now?: () => Date;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface WebhookCall {
  canary: Canary;
  webhook: CanaryWebhook;
  phase: CanaryPhase;
  /** Opaque run checksum (Flagger hashes trackedConfigs + lastAppliedSpec); passed through to the hook. */
  checksum: string;
  signal?: AbortSignal;
}

export const DEFAULT_WEBHOOK_TIMEOUT = '10s';

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration, in milliseconds. */
export function parseGoDuration(text: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  const body = text.replace(/^[+-]/, '');
  if (body === '0') return 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const m = re.exec(body);
    if (!m) throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
    total += Number(m[1]) * UNITS[m[2]];
    pos = re.lastIndex;
  }
  if (!body) throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
  return text.startsWith('-') ? -total : total;
}

/** Per-attempt timeout: `timeout`, with Flagger's default of 10s for anything shorter than two characters. */
export function webhookTimeoutMs(timeout: string | undefined): number {
  return parseGoDuration(
    !timeout || timeout.length < 2 ? DEFAULT_WEBHOOK_TIMEOUT : timeout,
  );
}

export function webhookPayload(
  canary: Canary,
  phase: CanaryPhase,
  checksum: string,
  metadata?: Record<string, string>,
): WebhookPayload {
  const payload: WebhookPayload = {
    name: canary.metadata.name,
    namespace: canary.metadata.namespace ?? '',
    phase,
    checksum,
  };
  if (metadata && Object.keys(metadata).length)
    payload.metadata = { ...metadata };
  return payload;
}

/** Event hooks: the event fields first, then the hook's own metadata, which cannot override them. */
export function eventPayload(
  canary: Canary,
  checksum: string,
  event: { message: string; type: 'Normal' | 'Warning'; time: Date },
  hookMetadata?: Record<string, string>,
): WebhookPayload {
  const metadata: Record<string, string> = {
    eventMessage: event.message,
    eventType: event.type,
    timestamp: String(event.time.getTime()),
  };
  for (const [k, v] of Object.entries(hookMetadata ?? {}))
    if (!(k in metadata)) metadata[k] = v;
  return {
    ...webhookPayload(canary, canary.status?.phase ?? '', checksum),
    metadata,
  };
}

/** How a failure should be recorded in the analysis history. */
export function checkErrorClass(
  result: WebhookResult,
): CheckErrorClass | undefined {
  if (result.ok) return undefined;
  return result.failure === 'timeout' ? 'timeout' : 'webhook-error';
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'xxxxx';
    return u.toString();
  } catch {
    return url;
  }
}

/** Seconds or an HTTP date; undefined when absent or unparsable. */
function retryAfterMs(response: HttpResponse, now: Date): number | undefined {
  const raw = response.headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const retryableStatus = (status: number) =>
  status === 429 || (status >= 500 && status !== 501);

export class WebhookCaller {
  private readonly sleep: NonNullable<WebhookCallerOptions['sleep']>;
  private readonly gates?: GateResolver;
  private readonly now: () => Date;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(options: WebhookCallerOptions = {}) {
    this.sleep = options.sleep ?? defaultSleep;
    this.gates = options.gates;
    this.now = options.now ?? (() => new Date());
    this.minBackoffMs = options.minBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /** Calls one hook of the given phase. Rejects only when `signal` aborts; every other outcome is a result. */
  async call(call: WebhookCall): Promise<WebhookResult> {
    const { canary, webhook, phase, checksum, signal } = call;
    const type = (webhook.type || 'rollout') as WebhookType;
    if (this.gates?.handles(webhook.url)) {
      try {
        const open = await this.gates.isOpen(canary, type, { signal });
        return open
          ? { ok: true, attempts: 0, viaGate: true }
          : {
              ok: false,
              attempts: 0,
              viaGate: true,
              failure: 'status',
              message: 'Forbidden',
            };
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        return {
          ok: false,
          attempts: 0,
          viaGate: true,
          failure: 'gate',
          message: (e as Error).message,
        };
      }
    }
    return this.post(
      webhook,
      webhookPayload(canary, phase, checksum, webhook.metadata),
      signal,
    );
  }

  /** Forwards a Kubernetes event to an `event` hook (or the global event webhook). */
  async callEvent(
    canary: Canary,
    webhook: CanaryWebhook,
    checksum: string,
    event: { message: string; type: 'Normal' | 'Warning'; time?: Date },
    signal?: AbortSignal,
  ): Promise<WebhookResult> {
    const payload = eventPayload(
      canary,
      checksum,
      // Forwarding may happen later than recording; the timestamp says when the event was recorded.
      { message: event.message, type: event.type, time: event.time ?? this.now() },
      webhook.metadata,
    );
    return this.post(webhook, payload, signal);
  }

  private async post(
    webhook: CanaryWebhook,
    payload: WebhookPayload,
    signal?: AbortSignal,
  ): Promise<WebhookResult> {
    let timeoutMs: number;
    try {
      timeoutMs = webhookTimeoutMs(webhook.timeout);
    } catch (e) {
      return {
        ok: false,
        attempts: 0,
        failure: 'invalid',
        message: `webhook ${webhook.name} timeout: ${(e as Error).message}`,
      };
    }
    const maxAttempts = Math.max(0, Math.trunc(webhook.retries ?? 0)) + 1;
    const body = JSON.stringify(payload);
    const shownUrl = redact(webhook.url);
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse | undefined;
      let error: HttpConnectionError | HttpTimeoutError | undefined;
      try {
        response = await httpRequest({
          method: 'POST',
          url: webhook.url,
          headers: { 'content-type': 'application/json' },
          body,
          timeoutMs,
          signal,
          insecureSkipVerify: webhook.disableTLS,
        });
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        if (
          !(e instanceof HttpConnectionError || e instanceof HttpTimeoutError)
        )
          throw e;
        error = e;
      }

      if (response && !retryableStatus(response.status)) {
        return response.status <= 202
          ? { ok: true, status: response.status, attempts: attempt }
          : {
              ok: false,
              status: response.status,
              attempts: attempt,
              failure: 'status',
              message: response.body,
            };
      }
      if (
        error instanceof HttpConnectionError &&
        (error.tls || /^ERR_INVALID_/.test(error.code ?? ''))
      ) {
        // Certificate and URL problems do not heal by retrying (go-retryablehttp agrees).
        return {
          ok: false,
          attempts: attempt,
          failure: error.tls ? 'tls' : 'invalid',
          message: `Post ${JSON.stringify(shownUrl)}: ${error.message}`,
        };
      }
      if (attempt >= maxAttempts) {
        const suffix = error
          ? `: Post ${JSON.stringify(shownUrl)}: ${error.message}`
          : '';
        let failure: WebhookFailureClass = 'status';
        if (error)
          failure =
            error instanceof HttpTimeoutError ? 'timeout' : 'connection';
        return {
          ok: false,
          status: response?.status,
          attempts: attempt,
          failure,
          message: `POST ${shownUrl} giving up after ${attempt} attempt(s)${suffix}`,
        };
      }
      await this.sleep(this.backoff(attempt - 1, response), signal);
    }
  }

  private backoff(
    retryIndex: number,
    response: HttpResponse | undefined,
  ): number {
    if (response && (response.status === 429 || response.status === 503)) {
      const after = retryAfterMs(response, this.now());
      if (after !== undefined) return Math.min(after, this.maxBackoffMs);
    }
    return Math.min(this.minBackoffMs * 2 ** retryIndex, this.maxBackoffMs);
  }
}
