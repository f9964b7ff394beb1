import http from 'node:http';
import { AddressInfo } from 'node:net';
import { KubeObject } from '../types';

/** How the fake answers WATCH requests; LIST always answers unless `listStatus` is set. */
export type WatchFault = 'none' | 'close' | 'gone' | 'status500' | 'hang';

interface HistoryEntry {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

/**
 * A tiny API server for one collection path, enough to exercise a list-watch: paginated LIST with continue tokens,
 * WATCH streams from a resourceVersion with bookmarks, compaction (410 Gone) and injected faults.
 * Test-only; it never listens on anything but loopback.
 */
export class FakeApiServer {
  readonly objects = new Map<string, KubeObject>();
  private history: HistoryEntry[] = [];
  private compactedRv = 0;
  private rv = 1;
  private readonly watchers = new Set<http.ServerResponse>();
  private server!: http.Server;
  fault: WatchFault = 'none';
  /** When set, LIST answers with this status (e.g. 403, 404). */
  listStatus: number | undefined;
  /** When set, a LIST page with a continue token answers 410 once. */
  expireNextContinue = false;
  readonly watchStarts: number[] = [];
  readonly listStarts: number[] = [];
  readonly watchQueries: URLSearchParams[] = [];

  constructor(private readonly collectionPath: string, private readonly kind = 'Canary') {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.dropWatches();
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  /** Ends every open WATCH as the API server does on timeout. */
  dropWatches() {
    for (const w of this.watchers) w.end();
    this.watchers.clear();
  }

  private nextRv(): string {
    this.rv++;
    return String(this.rv);
  }

  private record(type: HistoryEntry['type'], object: KubeObject) {
    const entry = { rv: Number(object.metadata.resourceVersion), type, object };
    this.history.push(entry);
    for (const w of this.watchers) w.write(`${JSON.stringify({ type, object })}\n`);
  }

  upsert(name: string, spec: Record<string, unknown>, namespace = 'default') {
    const key = `${namespace}/${name}`;
    const existed = this.objects.has(key);
    const obj: KubeObject = {
      apiVersion: 'flagger.app/v1beta1',
      kind: this.kind,
      metadata: {
        name,
        namespace,
        resourceVersion: this.nextRv(),
        managedFields: [{ manager: 'kubectl' }],
      } as KubeObject['metadata'],
      spec,
    };
    this.objects.set(key, obj);
    this.record(existed ? 'MODIFIED' : 'ADDED', obj);
  }

  remove(name: string, namespace = 'default') {
    const key = `${namespace}/${name}`;
    const obj = this.objects.get(key);
    if (!obj) return;
    this.objects.delete(key);
    this.record('DELETED', { ...obj, metadata: { ...obj.metadata, resourceVersion: this.nextRv() } });
  }

  /** Forgets history so that any older resourceVersion answers 410 Gone. */
  compact() {
    this.compactedRv = this.rv;
    this.history = [];
  }

  bookmark() {
    const rv = this.nextRv();
    for (const w of this.watchers) {
      w.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: this.kind, metadata: { resourceVersion: rv } } })}\n`);
    }
  }

  /** What a fresh LIST would return now, projected like the cache stores it (no managedFields). */
  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, o] of this.objects) out[k] = { rv: o.metadata.resourceVersion, spec: o.spec };
    return out;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== this.collectionPath) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"kind":"Status","reason":"NotFound"}');
      return;
    }
    if (url.searchParams.get('watch') === 'true') this.watch(url.searchParams, res);
    else this.list(url.searchParams, res);
  }

  private list(q: URLSearchParams, res: http.ServerResponse) {
    this.listStarts.push(Date.now());
    if (this.listStatus) {
      res.writeHead(this.listStatus, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', reason: 'Injected', message: `injected ${this.listStatus}` }));
      return;
    }
    const cont = q.get('continue');
    if (cont && this.expireNextContinue) {
      this.expireNextContinue = false;
      res.writeHead(410, { 'Content-Type': 'application/json' }).end('{"kind":"Status","reason":"Expired"}');
      return;
    }
    const limit = Number(q.get('limit') ?? 500);
    const all = [...this.objects.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const start = cont ? Number(cont) : 0;
    const items = all.slice(start, start + limit).map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
    const more = start + limit < all.length;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        metadata: { resourceVersion: String(this.rv), continue: more ? String(start + limit) : undefined },
        items,
      }),
    );
  }

  private watch(q: URLSearchParams, res: http.ServerResponse) {
    this.watchStarts.push(Date.now());
    this.watchQueries.push(q);
    if (this.fault === 'status500') {
      res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"kind":"Status","message":"boom"}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (this.fault === 'close') {
      res.end();
      return;
    }
    if (this.fault === 'hang') {
      this.watchers.add(res);
      res.flushHeaders();
      // Never writes; the client must notice and reconnect.
      this.watchers.delete(res);
      return;
    }
    const from = Number(q.get('resourceVersion') ?? 0);
    if (this.fault === 'gone' || from < this.compactedRv) {
      res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } })}\n`);
      return;
    }
    for (const e of this.history) {
      if (e.rv > from) res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    }
    this.watchers.add(res);
    res.on('close', () => this.watchers.delete(res));
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout > 0) {
      setTimeout(() => {
        this.watchers.delete(res);
        res.end();
      }, timeout * 1000).unref();
    }
  }
}
