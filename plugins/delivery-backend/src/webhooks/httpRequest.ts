import http from 'node:http';
import https from 'node:https';

/**
 * One HTTP exchange with a deadline, used for webhooks and metric queries. Built on node:http(s) rather than fetch
 * because skipping certificate verification (`disableTLS`, `insecureSkipVerify`) needs an https.Agent, and one
 * transport for both paths keeps them tested the same way.
 */

export interface HttpRequestOptions {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  /** Deadline for the whole exchange, connect to last byte. */
  timeoutMs: number;
  /** The caller's cancellation (e.g. the tick deadline); wins over the timeout. */
  signal?: AbortSignal;
  insecureSkipVerify?: boolean;
  /** Response bodies beyond this are cut off; error texts and PromQL results are small. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Connection agent, e.g. a proxy tunnel; the caller owns it (it is not destroyed here). */
  agent?: http.Agent;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** No response within the deadline. */
export class HttpTimeoutError extends Error {
  readonly name = 'HttpTimeoutError';
  constructor(readonly url: string, readonly timeoutMs: number) {
    super(`request to ${url} timed out after ${timeoutMs}ms`);
  }
}

/** The request never got a response: DNS, refused, reset, TLS. `tls` marks certificate failures. */
export class HttpConnectionError extends Error {
  readonly name = 'HttpConnectionError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly tls: boolean,
  ) {
    super(message);
  }
}

const TLS_CODES =
  /^(CERT_|ERR_TLS_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_)/;

export function httpRequest(
  options: HttpRequestOptions,
): Promise<HttpResponse> {
  const {
    method,
    url,
    headers = {},
    body,
    timeoutMs,
    signal,
    insecureSkipVerify,
    maxBodyBytes = 1 << 20,
  } = options;
  return new Promise<HttpResponse>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(
        new HttpConnectionError(
          `invalid URL ${JSON.stringify(url)}`,
          'ERR_INVALID_URL',
          false,
        ),
      );
      return;
    }
    const isHttps = parsed.protocol === 'https:';
    if (!isHttps && parsed.protocol !== 'http:') {
      reject(
        new HttpConnectionError(
          `unsupported protocol scheme "${parsed.protocol.replace(/:$/, '')}"`,
          'ERR_INVALID_PROTOCOL',
          false,
        ),
      );
      return;
    }
    const requestHeaders: Record<string, string | string[]> = { ...headers };
    if (body !== undefined)
      requestHeaders['content-length'] = String(Buffer.byteLength(body));
    const ownAgent =
      !options.agent && isHttps && insecureSkipVerify
        ? new https.Agent({ rejectUnauthorized: false })
        : undefined;
    const agent = options.agent ?? ownAgent;
    const transport = isHttps ? https : http;

    const state: {
      settled: boolean;
      timer?: NodeJS.Timeout;
      onAbort?: () => void;
    } = { settled: false };
    const finish = (err: unknown, res?: HttpResponse) => {
      if (state.settled) return;
      state.settled = true;
      clearTimeout(state.timer);
      if (state.onAbort) signal?.removeEventListener('abort', state.onAbort);
      ownAgent?.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    const req = transport.request(
      parsed,
      { method, headers: requestHeaders, agent },
      res => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < maxBodyBytes)
            chunks.push(chunk.subarray(0, maxBodyBytes - size));
          size += chunk.length;
        });
        res.on('end', () =>
          finish(undefined, {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', err => finish(connectionError(err)));
      },
    );
    state.timer = setTimeout(() => {
      const err = new HttpTimeoutError(url, timeoutMs);
      finish(err);
      req.destroy(err);
    }, timeoutMs);
    state.onAbort = () => {
      finish(signal!.reason);
      req.destroy();
    };
    signal?.addEventListener('abort', state.onAbort, { once: true });
    req.on('error', err => finish(connectionError(err)));
    req.end(body);
  });
}

function connectionError(err: unknown): HttpConnectionError {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code;
  return new HttpConnectionError(
    e?.message ?? String(err),
    code,
    Boolean(code && TLS_CODES.test(code)),
  );
}
