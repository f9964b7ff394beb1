import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';

/**
 * What the proxy does to WATCH requests:
 * - `close`: answers 200 and ends the stream at once, as a load balancer that cuts long requests;
 * - `gone`: answers 200 with an ERROR event carrying 410 Expired, as an API server whose watch cache moved on;
 * - `status500`: answers HTTP 500;
 * - `hang`: answers 200 and then stays silent forever, as a half-dead connection.
 */
export type WatchFault = 'none' | 'close' | 'gone' | 'status500' | 'hang';

export interface ProxiedRequest {
  /** Milliseconds since the proxy started. */
  at: number;
  method: string;
  path: string;
  watch: boolean;
  /** True for the first page of a LIST (no continue token): one relist. */
  listStart: boolean;
}

export interface WatchFaultProxyOptions {
  /** The API server, https://127.0.0.1:PORT. */
  upstream: string;
  /** Base64 PEM of the upstream CA. */
  caData: string;
}

const GONE_EVENT = {
  type: 'ERROR',
  object: {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: 'too old resource version (injected by the fault proxy)',
    reason: 'Expired',
    code: 410,
  },
};

/**
 * A loopback HTTP proxy in front of one API server, for tests: forwards every request (token included) over TLS,
 * records each request, and injects faults into WATCH requests. The client talks plain HTTP to it so that the
 * proxy can see and count every request.
 */
export class WatchFaultProxy {
  fault: WatchFault = 'none';
  /** While true, every request waits until `release()` (a cluster that accepts connections but never answers). */
  holding = false;
  readonly requests: ProxiedRequest[] = [];
  private readonly started = Date.now();
  private readonly agent: https.Agent;
  private readonly openWatches = new Set<{ res: http.ServerResponse; upstream?: http.ClientRequest }>();
  private readonly held: Array<() => void> = [];
  private server?: http.Server;

  constructor(private readonly o: WatchFaultProxyOptions) {
    this.agent = new https.Agent({ keepAlive: true, ca: Buffer.from(o.caData, 'base64').toString('utf8') });
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Ends every open WATCH now, cleanly, as an API server does at its timeout. */
  dropWatches(): void {
    for (const w of this.openWatches) {
      w.upstream?.destroy();
      w.res.end();
    }
    this.openWatches.clear();
  }

  release(): void {
    this.holding = false;
    this.held.splice(0).forEach(go => go());
  }

  /** Requests since `since` (ms on the proxy clock), optionally only those of one collection path. */
  since(since: number, path?: string): ProxiedRequest[] {
    return this.requests.filter(r => r.at >= since && (!path || r.path === path));
  }

  now(): number {
    return Date.now() - this.started;
  }

  async close(): Promise<void> {
    this.release();
    this.dropWatches();
    this.server?.closeAllConnections();
    await new Promise<void>(resolve => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.agent.destroy();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const watch = url.searchParams.get('watch') === 'true';
    this.requests.push({
      at: this.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      watch,
      listStart: !watch && (req.method ?? 'GET') === 'GET' && !url.searchParams.get('continue'),
    });
    if (this.holding) await new Promise<void>(resolve => this.held.push(resolve));
    if (watch && this.fault !== 'none') {
      this.injectFault(res);
      return;
    }
    this.forward(req, res, url, watch);
  }

  private injectFault(res: http.ServerResponse) {
    switch (this.fault) {
      case 'status500':
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', status: 'Failure', message: 'injected 500', code: 500 }));
        return;
      case 'gone':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(`${JSON.stringify(GONE_EVENT)}\n`);
        return;
      case 'close':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end();
        return;
      case 'hang': {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.flushHeaders();
        const entry = { res };
        this.openWatches.add(entry);
        res.on('close', () => this.openWatches.delete(entry));
        return;
      }
      default:
        throw new Error(`unknown fault ${this.fault}`);
    }
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, url: URL, watch: boolean) {
    const target = new URL(url.pathname + url.search, this.o.upstream);
    const headers = { ...req.headers, host: target.host };
    const upstream = https.request(target, { method: req.method, headers, agent: this.agent }, up => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    const entry = { res, upstream };
    if (watch) {
      this.openWatches.add(entry);
      res.on('close', () => this.openWatches.delete(entry));
    }
    // A client that goes away takes its upstream request with it, so no watch outlives its caller.
    res.on('close', () => upstream.destroy());
    upstream.on('error', e => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`proxy: ${e.message}`);
    });
    req.pipe(upstream);
  }
}

/** Smallest gap in ms between consecutive request times (Infinity with fewer than two). */
export function minGap(times: number[]): number {
  let gap = Infinity;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i] - times[i - 1]);
  return gap;
}
