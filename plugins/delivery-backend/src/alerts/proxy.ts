import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/**
 * An agent that reaches the target through an HTTP proxy with a CONNECT tunnel (TLS to the target inside it for
 * https), so chat webhooks work from clusters whose egress goes through a proxy (AlertProvider `spec.proxy`).
 * Plain-http targets are tunnelled as well rather than sent in absolute form; chat webhooks are https in practice.
 */

type Callback = (err: Error | null, stream: Duplex) => void;

function openTunnel(proxy: URL, host: string, port: number, timeoutMs: number, done: (err: Error | null, s?: Duplex) => void) {
  const headers: Record<string, string> = { host: `${host}:${port}` };
  if (proxy.username || proxy.password) {
    const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers['proxy-authorization'] = `Basic ${Buffer.from(user).toString('base64')}`;
  }
  const transport = proxy.protocol === 'https:' ? https : http;
  const req = transport.request({
    host: proxy.hostname,
    port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
    method: 'CONNECT',
    path: `${host}:${port}`,
    headers,
    timeout: timeoutMs,
  });
  req.once('connect', (res, socket) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      done(new Error(`proxy ${proxy.host} refused CONNECT to ${host}:${port}: HTTP ${res.statusCode}`));
      return;
    }
    done(null, socket);
  });
  req.once('timeout', () => req.destroy(new Error(`proxy ${proxy.host}: no answer to CONNECT within ${timeoutMs}ms`)));
  req.once('error', err => done(err));
  req.end();
}

const hostOf = (o: http.ClientRequestArgs) => String(o.hostname ?? o.host ?? 'localhost').replace(/^\[|\]$/g, '');

class HttpTunnelAgent extends http.Agent {
  constructor(private readonly proxy: URL, private readonly timeoutMs: number) {
    super();
  }
  createConnection(options: http.ClientRequestArgs, callback?: Callback): Duplex | null | undefined {
    openTunnel(this.proxy, hostOf(options), Number(options.port ?? 80), this.timeoutMs, (err, socket) =>
      callback?.(err, socket as Duplex),
    );
    return undefined;
  }
}

class HttpsTunnelAgent extends https.Agent {
  constructor(private readonly proxy: URL, private readonly timeoutMs: number) {
    super();
  }
  createConnection(options: https.RequestOptions, callback?: Callback): Duplex | null | undefined {
    const host = hostOf(options);
    openTunnel(this.proxy, host, Number(options.port ?? 443), this.timeoutMs, (err, socket) => {
      if (err || !socket) {
        callback?.(err ?? new Error('proxy tunnel failed'), socket as Duplex);
        return;
      }
      const servername = options.servername ?? (/^[\d.:]+$/.test(host) ? undefined : host);
      callback?.(null, tls.connect({ ...(options as tls.ConnectionOptions), socket, servername }));
    });
    return undefined;
  }
}

/** The agent for one request to `target` through `proxy`; throws on a proxy that is not an http(s) URL. */
export function proxyAgent(proxy: string, target: string, timeoutMs: number): http.Agent {
  let p: URL;
  try {
    p = new URL(proxy);
  } catch {
    throw new Error('invalid proxy URL; expected e.g. http://proxy.example.com:3128');
  }
  if (p.protocol !== 'http:' && p.protocol !== 'https:') {
    throw new Error(`unsupported proxy scheme "${p.protocol.replace(/:$/, '')}"; use http or https`);
  }
  return new URL(target).protocol === 'https:' ? new HttpsTunnelAgent(p, timeoutMs) : new HttpTunnelAgent(p, timeoutMs);
}
