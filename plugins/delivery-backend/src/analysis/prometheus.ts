import { STATUS_CODES } from 'node:http';
import {
  HttpConnectionError,
  HttpTimeoutError,
  httpRequest,
} from '../webhooks/httpRequest';

/**
 * Prometheus instant-query client with Flagger's semantics (whitespace-collapsed query, last sample wins, NaN or
 * empty = no values, matrix = error) plus what a shared reconciler needs: a deadline per call and a cap on
 * concurrent queries per endpoint, so one slow Prometheus cannot occupy every worker.
 */

/** The query answered, but with nothing to compare (empty vector or NaN): usually no traffic. */
export class NoValuesFoundError extends Error {
  readonly name = 'NoValuesFoundError';
  constructor(message = 'no values found') {
    super(message);
  }
}

/** No answer at all: connection refused, DNS, TLS, or the deadline passed. */
export class ProviderUnreachableError extends Error {
  readonly name = 'ProviderUnreachableError';
  constructor(message: string, readonly timedOut = false) {
    super(message);
  }
}

/** Prometheus answered with an error status or something that is not a single instant value. */
export class QueryError extends Error {
  readonly name = 'QueryError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** The same error class with context in front of the message, the way Flagger wraps errors with %w. */
export function withPrefix(e: unknown, prefix: string): unknown {
  if (e instanceof NoValuesFoundError)
    return new NoValuesFoundError(prefix + e.message);
  if (e instanceof ProviderUnreachableError)
    return new ProviderUnreachableError(prefix + e.message, e.timedOut);
  if (e instanceof QueryError)
    return new QueryError(prefix + e.message, e.status);
  return e;
}

export interface QueryOptions {
  signal?: AbortSignal;
}

/** What analysis needs from a metrics backend (Flagger's providers.Interface). */
export interface MetricsProvider {
  readonly address: string;
  runQuery(query: string, opts?: QueryOptions): Promise<number>;
  /** True when `vector(1)` returns 1; rejects with the reason when the provider cannot be queried. */
  isOnline(opts?: QueryOptions): Promise<boolean>;
}

/** A counting semaphore whose waiters give up when their signal aborts. */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly max: number) {
    if (!(max >= 1))
      throw new Error(`concurrency limit must be at least 1, got ${max}`);
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.length;
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiters.shift()?.();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', waiter.abort);
          this.active++;
          resolve();
        },
        abort: () => {
          const i = this.waiters.indexOf(waiter.grant);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal!.reason);
        },
      };
      this.waiters.push(waiter.grant);
      signal?.addEventListener('abort', waiter.abort, { once: true });
    });
  }
}

export interface PrometheusClientOptions {
  address: string;
  /** Per-call deadline; Flagger uses 5 s. */
  timeoutMs?: number;
  token?: string;
  username?: string;
  password?: string;
  headers?: Record<string, string | string[]>;
  insecureSkipVerify?: boolean;
  /** Shared by all clients of one endpoint; see PrometheusClients. */
  limiter?: ConcurrencyLimiter;
}

const ONLINE_QUERY = 'vector(1)';

/** Go's strconv.ParseFloat accepts these spellings; Number() does not. */
function parseSampleValue(text: string): number {
  const special: Record<string, number> = {
    '+inf': Infinity,
    inf: Infinity,
    '-inf': -Infinity,
    nan: NaN,
  };
  const lower = text.toLowerCase();
  if (lower in special) return special[lower];
  const value = text.trim() === '' ? NaN : Number(text);
  if (Number.isNaN(value))
    throw new QueryError(
      `strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`,
    );
  return value;
}

export class PrometheusClient implements MetricsProvider {
  readonly address: string;
  private readonly base: URL;
  private readonly options: PrometheusClientOptions;
  private readonly limiter: ConcurrencyLimiter;

  constructor(options: PrometheusClientOptions) {
    let base: URL | undefined;
    try {
      base = options.address ? new URL(options.address) : undefined;
    } catch {
      base = undefined;
    }
    if (!base || !/^https?:$/.test(base.protocol)) {
      throw new QueryError(
        `prometheus address ${options.address} is not a valid URL`,
      );
    }
    this.base = base;
    this.address = options.address;
    this.options = options;
    this.limiter = options.limiter ?? new ConcurrencyLimiter(8);
  }

  async runQuery(query: string, opts: QueryOptions = {}): Promise<number> {
    const url = new URL(this.base.toString());
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/query`;
    url.search = '';
    url.searchParams.set('query', query.replace(/\s+/g, ' '));
    const timeoutMs = this.options.timeoutMs ?? 5000;

    const response = await this.limiter.run(async () => {
      try {
        return await httpRequest({
          method: 'GET',
          url: url.toString(),
          headers: this.headers(),
          timeoutMs,
          signal: opts.signal,
          insecureSkipVerify: this.options.insecureSkipVerify,
        });
      } catch (e) {
        if (e instanceof HttpTimeoutError) {
          throw new ProviderUnreachableError(
            `request failed: ${e.message}`,
            true,
          );
        }
        if (e instanceof HttpConnectionError)
          throw new ProviderUnreachableError(`request failed: ${e.message}`);
        throw e;
      }
    }, opts.signal);

    if (response.status >= 400) {
      throw new QueryError(
        `error response: Status ${response.status} ${
          STATUS_CODES[response.status] ?? ''
        }: ${response.body}`,
        response.status,
      );
    }
    return this.parse(response.body);
  }

  async isOnline(opts?: QueryOptions): Promise<boolean> {
    let value: number;
    try {
      value = await this.runQuery(ONLINE_QUERY, opts);
    } catch (e) {
      throw withPrefix(e, 'running query failed: ');
    }
    return value === 1;
  }

  private headers(): Record<string, string | string[]> {
    const headers: Record<string, string | string[]> = {
      ...(this.options.headers ?? {}),
    };
    const { token, username, password } = this.options;
    if (token) headers.authorization = `Bearer ${token}`;
    else if (username && password) {
      headers.authorization = `Basic ${Buffer.from(
        `${username}:${password}`,
      ).toString('base64')}`;
    }
    return headers;
  }

  private parse(body: string): number {
    let parsed: { data?: { resultType?: string; result?: unknown } };
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      throw new QueryError(
        `error unmarshaling result: ${(e as Error).message}, '${body}'`,
      );
    }
    const data = parsed?.data ?? {};
    if (data.resultType === 'scalar' || data.resultType === 'string') {
      throw new QueryError(
        `unsupported result type ${data.resultType}; wrap the query in vector(...)`,
      );
    }
    const result = Array.isArray(data.result)
      ? (data.result as Array<{ value?: unknown[]; values?: unknown[] }>)
      : [];
    let value: number | undefined;
    for (const series of result) {
      if (series.values !== undefined)
        throw new QueryError('query returned multiple values');
      const sample = series.value?.[1];
      // Several series: the last one wins, as in Flagger.
      if (typeof sample === 'string') value = parseSampleValue(sample);
    }
    if (value === undefined || Number.isNaN(value))
      throw new NoValuesFoundError();
    return value;
  }
}

/** Hands out clients that share one concurrency cap per Prometheus origin. */
export class PrometheusClients {
  private readonly limiters = new Map<string, ConcurrencyLimiter>();
  private readonly maxPerEndpoint: number;
  private readonly timeoutMs: number;

  constructor(options: { maxPerEndpoint?: number; timeoutMs?: number } = {}) {
    this.maxPerEndpoint = options.maxPerEndpoint ?? 8;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  client(options: Omit<PrometheusClientOptions, 'limiter'>): PrometheusClient {
    let origin: string;
    try {
      origin = new URL(options.address).origin;
    } catch {
      origin = options.address;
    }
    let limiter = this.limiters.get(origin);
    if (!limiter) {
      limiter = new ConcurrencyLimiter(this.maxPerEndpoint);
      this.limiters.set(origin, limiter);
    }
    return new PrometheusClient({
      timeoutMs: this.timeoutMs,
      ...options,
      limiter,
    });
  }
}
