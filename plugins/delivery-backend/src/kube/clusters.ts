import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { ClusterConfig } from '../config';
import { KubeApiError } from './types';

/** The API server could not be reached (connection refused, DNS, TLS, or the deadline passed). */
export class KubeUnreachableError extends Error {
  readonly name = 'KubeUnreachableError';
}

export type QueryValue = string | number | boolean | undefined;

export interface KubeRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Defaults to application/json; merge patches pass application/merge-patch+json. */
  contentType?: string;
  signal?: AbortSignal;
  /** Deadline for the whole request; defaults to the client's `requestTimeoutMs`. */
  timeoutMs?: number;
}

export interface KubeStreamRequest extends Omit<KubeRequest, 'method' | 'body' | 'contentType'> {
  /** Called for each newline-delimited line of the body. */
  onLine: (line: string) => void;
  /** Called once the server accepted the request (status 200), before any line. */
  onOpen?: () => void;
  /** Abort when no byte arrived for this long (a hung watch). */
  idleTimeoutMs: number;
}

/** What the list-watch, writer and lease need from a cluster connection; fakes implement it in tests. */
export interface KubeTransport {
  readonly cluster: string;
  request<T = unknown>(req: KubeRequest): Promise<T>;
  stream(req: KubeStreamRequest): Promise<void>;
}

export interface KubeHttpClientOptions {
  cluster: ClusterConfig;
  /** Default deadline per request. */
  requestTimeoutMs?: number;
  /** Sockets per cluster; watches hold one each, so leave room for requests. */
  maxSockets?: number;
  readFile?: (path: string) => string;
}

function buildQuery(query: Record<string, QueryValue> | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined) params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function apiError(status: number, text: string, what: string): KubeApiError {
  let reason: string | undefined;
  let message = text.slice(0, 500);
  try {
    const status_ = JSON.parse(text) as { reason?: string; message?: string };
    reason = status_.reason;
    message = status_.message ?? message;
  } catch {
    // not a Status object; keep the raw text
  }
  return new KubeApiError(`${what}: HTTP ${status}: ${message}`, status, reason);
}

/**
 * HTTP client for one cluster over node:http(s), with its own connection pool. A separate instance (for example the
 * lease's) never queues behind reconciler or watch traffic.
 */
export class KubeHttpClient implements KubeTransport {
  readonly cluster: string;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly token?: string;
  private readonly requestTimeoutMs: number;

  constructor(options: KubeHttpClientOptions) {
    const { cluster } = options;
    this.cluster = cluster.name;
    this.base = new URL(cluster.url);
    this.token = cluster.serviceAccountToken;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    const maxSockets = options.maxSockets ?? 64;
    if (this.base.protocol === 'https:') {
      const readFile = options.readFile ?? ((p: string) => fs.readFileSync(p, 'utf8'));
      let ca: string | undefined;
      if (cluster.caData) ca = Buffer.from(cluster.caData, 'base64').toString('utf8');
      else if (cluster.caFile) ca = readFile(cluster.caFile);
      this.agent = new https.Agent({
        keepAlive: true,
        maxSockets,
        ca,
        rejectUnauthorized: !cluster.skipTLSVerify,
      });
    } else {
      this.agent = new http.Agent({ keepAlive: true, maxSockets });
    }
  }

  /** Releases pooled sockets; in-flight requests fail. */
  close(): void {
    this.agent.destroy();
  }

  private open(
    method: string,
    path: string,
    query: Record<string, QueryValue> | undefined,
    headers: Record<string, string>,
  ): http.ClientRequest {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path + buildQuery(query), this.base);
    const mod = url.protocol === 'https:' ? https : http;
    return mod.request(url, {
      method,
      agent: this.agent,
      headers: {
        Accept: 'application/json',
        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
    });
  }

  request<T = unknown>(req: KubeRequest): Promise<T> {
    const method = req.method ?? 'GET';
    const what = `${method} ${req.path} on cluster ${this.cluster}`;
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = body
      ? { 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }
      : {};
    return new Promise<T>((resolve, reject) => {
      if (req.signal?.aborted) {
        reject(new KubeUnreachableError(`${what}: aborted before start`));
        return;
      }
      const r = this.open(method, req.path, req.query, headers);
      let done = false;
      let timer: NodeJS.Timeout | undefined = undefined;
      let onAbort: () => void = () => {};
      const finish = (err: Error | undefined, value?: T) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(value as T);
      };
      const timeoutMs = req.timeoutMs ?? this.requestTimeoutMs;
      timer = setTimeout(() => {
        r.destroy();
        finish(new KubeUnreachableError(`${what}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      onAbort = () => {
        r.destroy();
        finish(new KubeUnreachableError(`${what}: aborted`));
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      r.on('error', e => finish(new KubeUnreachableError(`${what}: ${e.message}`)));
      r.on('response', res => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', e => finish(new KubeUnreachableError(`${what}: ${e.message}`)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 400) {
            finish(apiError(status, text, what));
            return;
          }
          try {
            finish(undefined, (text ? JSON.parse(text) : undefined) as T);
          } catch (e) {
            finish(new KubeApiError(`${what}: invalid JSON in response: ${(e as Error).message}`, status));
          }
        });
      });
      r.end(body);
    });
  }

  stream(req: KubeStreamRequest): Promise<void> {
    const what = `WATCH ${req.path} on cluster ${this.cluster}`;
    return new Promise<void>((resolve, reject) => {
      const r = this.open('GET', req.path, req.query, {});
      let done = false;
      let idle: NodeJS.Timeout | undefined;
      let connectTimer: NodeJS.Timeout | undefined = undefined;
      let onAbort: () => void = () => {};
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(idle);
        clearTimeout(connectTimer);
        req.signal?.removeEventListener('abort', onAbort);
        r.destroy();
        if (err) reject(err);
        else resolve();
      };
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(
          () => finish(new KubeUnreachableError(`${what}: no data for ${req.idleTimeoutMs} ms`)),
          req.idleTimeoutMs,
        );
      };
      const connectMs = req.timeoutMs ?? this.requestTimeoutMs;
      connectTimer = setTimeout(
        () => finish(new KubeUnreachableError(`${what}: no answer within ${connectMs} ms`)),
        connectMs,
      );
      onAbort = () => finish();
      if (req.signal?.aborted) {
        finish();
        return;
      }
      req.signal?.addEventListener('abort', onAbort, { once: true });
      r.on('error', e => finish(new KubeUnreachableError(`${what}: ${e.message}`)));
      r.on('response', res => {
        clearTimeout(connectTimer);
        const status = res.statusCode ?? 0;
        if (status >= 400) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(apiError(status, Buffer.concat(chunks).toString('utf8'), what)));
          res.on('error', e => finish(new KubeUnreachableError(`${what}: ${e.message}`)));
          return;
        }
        req.onOpen?.();
        armIdle();
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          armIdle();
          buffered += chunk;
          let nl = buffered.indexOf('\n');
          while (nl >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line) {
              try {
                req.onLine(line);
              } catch (e) {
                finish(e as Error);
                return;
              }
            }
            nl = buffered.indexOf('\n');
          }
        });
        res.on('error', e => finish(new KubeUnreachableError(`${what}: ${e.message}`)));
        res.on('aborted', () => finish(new KubeUnreachableError(`${what}: connection closed by server`)));
        res.on('end', () => {
          if (buffered.trim()) {
            try {
              req.onLine(buffered.trim());
            } catch (e) {
              finish(e as Error);
              return;
            }
          }
          finish();
        });
      });
      r.end();
    });
  }
}

/** REST path of a collection or one object of `kind`. */
export function resourcePath(
  kind: { group: string; version: string; plural: string; namespaced: boolean },
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const prefix = kind.group ? `/apis/${kind.group}/${kind.version}` : `/api/${kind.version}`;
  const ns = kind.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const obj = name ? `/${encodeURIComponent(name)}` : '';
  const sub = name && subresource ? `/${subresource}` : '';
  return `${prefix}${ns}/${kind.plural}${obj}${sub}`;
}
