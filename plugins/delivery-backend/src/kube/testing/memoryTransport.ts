import { KubeRequest, KubeStreamRequest, KubeTransport, resourcePath } from '../clusters';
import { KubeApiError, KubeObject, ResourceKind } from '../types';

interface Watcher {
  onLine: (line: string) => void;
  fail: (e: Error) => void;
}

/**
 * An API server held in memory behind the KubeTransport contract, for unit tests and benchmarks of everything
 * above the list-watch: cluster-wide paginated LISTs and WATCH streams per collection, resourceVersions, and
 * switchable failures. Watches stay open until their caller aborts, so no timer is involved.
 */
export class MemoryTransport implements KubeTransport {
  private readonly collections = new Map<string, Map<string, KubeObject>>();
  private readonly watchers = new Map<string, Set<Watcher>>();
  private readonly held: Array<() => void> = [];
  private rv = 1;
  /** When set, every request to that collection path fails with it. */
  readonly failures = new Map<string, Error>();
  /** While true, requests wait (as against a silent server) until `release()`. */
  holding = false;
  /** Requests seen per collection path, LIST pages and WATCHes alike. */
  readonly requests = new Map<string, number>();

  constructor(readonly cluster: string) {}

  /** Creates or replaces an object, bumping its resourceVersion, and tells open watches. */
  put(kind: ResourceKind, obj: { metadata: KubeObject['metadata']; [key: string]: unknown }): KubeObject {
    const path = resourcePath(kind);
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const items = this.collection(path);
    const existed = items.has(key);
    const stored: KubeObject = {
      ...obj,
      apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version,
      kind: kind.kind,
      metadata: { ...obj.metadata, resourceVersion: String(++this.rv) },
    };
    items.set(key, stored);
    this.send(path, existed ? 'MODIFIED' : 'ADDED', stored);
    return stored;
  }

  remove(kind: ResourceKind, namespace: string, name: string): void {
    const path = resourcePath(kind);
    const items = this.collection(path);
    const obj = items.get(`${namespace}/${name}`);
    if (!obj) return;
    items.delete(`${namespace}/${name}`);
    this.send(path, 'DELETED', { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } });
  }

  /** Drops the stored objects without telling watches, so a benchmark measures only the readers' memory. */
  forgetObjects(): void {
    this.collections.clear();
  }

  release(): void {
    this.holding = false;
    this.held.splice(0).forEach(go => go());
  }

  async request<T = unknown>(req: KubeRequest): Promise<T> {
    await this.gate(req.path);
    const items = [...this.collection(req.path).values()];
    const limit = Number(req.query?.limit ?? items.length);
    const start = Number(req.query?.continue ?? 0);
    const page = items.slice(start, start + limit);
    const next = start + limit < items.length ? String(start + limit) : undefined;
    return { metadata: { resourceVersion: String(this.rv), continue: next }, items: page } as T;
  }

  async stream(req: KubeStreamRequest): Promise<void> {
    await this.gate(req.path);
    if (req.signal?.aborted) return;
    let set = this.watchers.get(req.path);
    if (!set) this.watchers.set(req.path, (set = new Set()));
    const watchers = set;
    req.onOpen?.();
    await new Promise<void>((resolve, reject) => {
      // A line the reader rejects ends its watch with that error, as the HTTP client does.
      const watcher: Watcher = {
        onLine: req.onLine,
        fail: e => {
          watchers.delete(watcher);
          reject(e);
        },
      };
      watchers.add(watcher);
      const end = () => {
        watchers.delete(watcher);
        resolve();
      };
      if (req.signal?.aborted) end();
      else req.signal?.addEventListener('abort', end, { once: true });
    });
  }

  private async gate(path: string): Promise<void> {
    this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
    if (this.holding) await new Promise<void>(resolve => this.held.push(resolve));
    const failure = this.failures.get(path);
    if (failure) throw failure;
  }

  private collection(path: string): Map<string, KubeObject> {
    let items = this.collections.get(path);
    if (!items) this.collections.set(path, (items = new Map()));
    return items;
  }

  private send(path: string, type: string, object: KubeObject) {
    const line = JSON.stringify({ type, object });
    for (const w of [...(this.watchers.get(path) ?? [])]) {
      try {
        w.onLine(line);
      } catch (e) {
        w.fail(e as Error);
      }
    }
  }
}

/** A Kubernetes-style HTTP error for `MemoryTransport.failures`. */
export const httpError = (status: number, message = `HTTP ${status}`) => new KubeApiError(message, status);
