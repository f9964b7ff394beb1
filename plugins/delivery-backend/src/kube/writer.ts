import { KubeTransport, resourcePath } from './clusters';
import { sleep } from './backoff';
import { KubeApiError, KubeConflictError, KubeObject, ObjectWriter, ResourceKind } from './types';
import { KINDS } from './types';

export interface KubeObjectWriterOptions {
  transport: KubeTransport;
  /** Attempts of a read-modify-write before giving up with KubeConflictError. */
  conflictAttempts?: number;
  /** Events this writer remembers having written (name and count), so a repeat is one PATCH (default 4096). */
  knownEvents?: number;
  now?: () => Date;
  random?: () => number;
}

function isStatus(e: unknown, status: number): boolean {
  return e instanceof KubeApiError && e.status === status;
}

type EventObject = KubeObject & {
  count?: number;
  message?: string;
  reason?: string;
  type?: string;
  involvedObject?: { uid?: string; name?: string; namespace?: string; kind?: string };
  source?: { component?: string };
};

/**
 * Writes to one cluster's API server. Every call carries the caller's AbortSignal; read-modify-writes re-GET and
 * retry on 409 with a short jittered pause, so two writers converge instead of failing.
 */
export class KubeObjectWriter implements ObjectWriter {
  private readonly t: KubeTransport;
  private readonly attempts: number;
  private readonly now: () => Date;
  private readonly random: () => number;
  /**
   * Count per event written lately, insertion-ordered and trimmed oldest first, like client-go's event correlator.
   * A forgotten name costs one 409 and a GET; a count another writer raised meanwhile is overwritten, as there.
   */
  private readonly knownEvents = new Map<string, number>();
  private readonly knownEventsMax: number;

  constructor(options: KubeObjectWriterOptions) {
    this.t = options.transport;
    this.attempts = options.conflictAttempts ?? 5;
    this.knownEventsMax = options.knownEvents ?? 4096;
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  private async getOrUndefined<T>(kind: ResourceKind, ns: string, name: string, signal?: AbortSignal) {
    try {
      return await this.t.request<T>({ path: resourcePath(kind, ns, name), signal });
    } catch (e) {
      if (isStatus(e, 404)) return undefined;
      throw e;
    }
  }

  private withKind<T extends KubeObject>(kind: ResourceKind, obj: T): T {
    return { ...obj, apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version, kind: kind.kind };
  }

  async create<T extends KubeObject>(kind: ResourceKind, obj: T, opts?: { signal?: AbortSignal }): Promise<T> {
    const ns = obj.metadata.namespace ?? '';
    try {
      return await this.t.request<T>({
        method: 'POST',
        path: resourcePath(kind, ns),
        body: this.withKind(kind, obj),
        signal: opts?.signal,
      });
    } catch (e) {
      if (!isStatus(e, 409)) throw e;
      const live = await this.getOrUndefined<T>(kind, ns, obj.metadata.name, opts?.signal);
      if (!live) throw new KubeConflictError(`${kind.kind} ${ns}/${obj.metadata.name} exists but cannot be read`);
      return live;
    }
  }

  private async retryOnConflict<R>(what: string, signal: AbortSignal | undefined, fn: () => Promise<R>) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!isStatus(e, 409)) throw e;
        if (attempt >= this.attempts || signal?.aborted) {
          throw new KubeConflictError(`${what}: still conflicting after ${attempt} attempts`);
        }
        await sleep(Math.round(20 * attempt * (1 + this.random())), signal);
      }
    }
  }

  update<T extends KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
    mutate: (current: T | undefined) => T | undefined,
    opts?: { signal?: AbortSignal },
  ): Promise<T | undefined> {
    const signal = opts?.signal;
    return this.retryOnConflict(`update ${kind.kind} ${namespace}/${name}`, signal, async () => {
      const current = await this.getOrUndefined<T>(kind, namespace, name, signal);
      const desired = mutate(current === undefined ? undefined : structuredClone(current));
      if (desired === undefined) return current;
      if (current === undefined) {
        return this.t.request<T>({
          method: 'POST',
          path: resourcePath(kind, namespace),
          body: this.withKind(kind, { ...desired, metadata: { ...desired.metadata, name, namespace } }),
          signal,
        });
      }
      return this.t.request<T>({
        method: 'PUT',
        path: resourcePath(kind, namespace, name),
        body: this.withKind(kind, {
          ...desired,
          metadata: { ...desired.metadata, resourceVersion: current.metadata.resourceVersion },
        }),
        signal,
      });
    });
  }

  mergePatch<T extends KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
    patch: unknown,
    opts?: { signal?: AbortSignal },
  ): Promise<T> {
    return this.t.request<T>({
      method: 'PATCH',
      path: resourcePath(kind, namespace, name),
      body: patch,
      contentType: 'application/merge-patch+json',
      signal: opts?.signal,
    });
  }

  updateStatus<T extends KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
    mutate: (current: T) => T['status'] | undefined,
    opts?: { signal?: AbortSignal; cached?: T },
  ): Promise<T | undefined> {
    const signal = opts?.signal;
    // The cached copy saves the GET on the first attempt only: a 409 means it was stale, so retries read live.
    let cached = opts?.cached;
    return this.retryOnConflict(`update status of ${kind.kind} ${namespace}/${name}`, signal, async () => {
      const current = cached ?? (await this.getOrUndefined<T>(kind, namespace, name, signal));
      cached = undefined;
      if (!current) return undefined;
      const status = mutate(structuredClone(current));
      if (status === undefined) return current;
      try {
        return await this.t.request<T>({
          method: 'PUT',
          path: resourcePath(kind, namespace, name, 'status'),
          body: { ...current, status },
          signal,
        });
      } catch (e) {
        // Deleted since it was read: as if the read had found nothing.
        if (isStatus(e, 404)) return undefined;
        throw e;
      }
    });
  }

  async delete(kind: ResourceKind, namespace: string, name: string, opts?: { signal?: AbortSignal }) {
    try {
      await this.t.request({ method: 'DELETE', path: resourcePath(kind, namespace, name), signal: opts?.signal });
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
    }
  }

  /**
   * Like client-go's recorder: an identical event (same object, type, reason, message, component) raises the count
   * and lastTimestamp of the existing Event instead of adding a new one. The Event's name is derived from those
   * fields, so the aggregation survives restarts. Most events are new (an iteration number, a weight), so the
   * create is tried first; events this writer wrote recently are counted up with one PATCH.
   */
  async recordEvent(
    involved: KubeObject,
    event: { type: 'Normal' | 'Warning'; reason?: string; message: string; component?: string },
    opts?: { signal?: AbortSignal },
  ): Promise<void> {
    const ns = involved.metadata.namespace ?? 'default';
    const reason = event.reason ?? 'Synced';
    const component = event.component ?? 'flagger';
    const now = this.now().toISOString();
    const name = `${involved.metadata.name}.${eventHash(
      [involved.metadata.uid ?? '', event.type, reason, event.message, component].join('\u0000'),
    )}`;
    const signal = opts?.signal;
    const key = `${ns}/${name}`;
    const patchCount = async (count: number) => {
      await this.mergePatch(KINDS.event, ns, name, { count, lastTimestamp: now }, opts);
      this.remember(key, count);
    };
    const countUp = async () => {
      const live = await this.getOrUndefined<EventObject>(KINDS.event, ns, name, signal);
      if (!live) return false;
      await patchCount((live.count ?? 1) + 1);
      return true;
    };
    const known = this.knownEvents.get(key);
    if (known !== undefined) {
      try {
        await patchCount(known + 1);
        return;
      } catch (e) {
        // Expired (Events live an hour) or deleted: create it again below.
        if (!isStatus(e, 404)) throw e;
        this.knownEvents.delete(key);
      }
    }
    const body: EventObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.metadata.name,
        namespace: ns,
        uid: involved.metadata.uid,
        resourceVersion: involved.metadata.resourceVersion,
      } as EventObject['involvedObject'],
      reason,
      message: event.message,
      type: event.type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component },
      reportingComponent: component,
    };
    try {
      await this.t.request({ method: 'POST', path: resourcePath(KINDS.event, ns), body, signal });
      this.remember(key, 1);
    } catch (e) {
      if (!isStatus(e, 409)) throw e;
      // It exists (written before a restart, by another replica, or forgotten): count ours on top.
      if (!(await countUp())) throw new KubeConflictError(`Event ${ns}/${name} exists but cannot be read`);
    }
  }

  private remember(key: string, count: number): void {
    this.knownEvents.delete(key);
    this.knownEvents.set(key, count);
    if (this.knownEvents.size > this.knownEventsMax) {
      this.knownEvents.delete(this.knownEvents.keys().next().value!);
    }
  }
}

/** FNV-1a 32-bit in hex: a short, stable name suffix (not a security boundary). */
export function eventHash(input: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    h ^= input.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
