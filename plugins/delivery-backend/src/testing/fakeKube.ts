import {
  KubeApiError,
  KubeConflictError,
  type KubeObject,
  type ObjectReader,
  type ObjectWriter,
  type ResourceKind,
} from '../kube/types';

/**
 * An in-memory API server behind the ObjectReader/ObjectWriter contract, for unit tests of modules that read and
 * write cluster objects. It keeps the parts of API-server behaviour those modules depend on: resourceVersion bumps on
 * every write, 409 on a write carrying a stale resourceVersion, generation bumps on spec changes only, status kept
 * apart from the main resource, and copies in and out so callers cannot mutate stored objects by accident.
 */

export interface RecordedEvent {
  involved: { kind: string; namespace?: string; name: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  component: string;
}

export interface WriteRecord {
  verb: 'create' | 'update' | 'patch' | 'status' | 'delete';
  kind: string;
  namespace: string;
  name: string;
}

const MAX_CONFLICT_RETRIES = 5;

function keyOf(kind: ResourceKind, namespace: string, name: string): string {
  return `${kind.group}/${kind.version}/${kind.plural}/${namespace}/${name}`;
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

function apiVersionOf(kind: ResourceKind): string {
  return kind.group ? `${kind.group}/${kind.version}` : kind.version;
}

/** Everything except metadata and status: what `generation` tracks. */
function specPart(obj: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(rest);
}

/** RFC 7386 JSON merge patch. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
    return clone(patch);
  const base: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete base[k];
    else base[k] = applyMergePatch(base[k], v);
  }
  return base;
}

export class FakeKube implements ObjectReader, ObjectWriter {
  private readonly objects = new Map<string, KubeObject>();
  private version = 1;
  private uidCounter = 0;
  /** Every successful write, in order; tests assert idempotency with it. */
  readonly writes: WriteRecord[] = [];
  readonly events: RecordedEvent[] = [];
  /**
   * Called before each write attempt reaches the store. Tests use it to simulate a concurrent writer (modify the
   * object through `seed` so the attempt carries a stale resourceVersion) or to inject API errors by throwing.
   */
  beforeWrite?: (
    verb: WriteRecord['verb'],
    kind: ResourceKind,
    namespace: string,
    name: string,
  ) => void;

  /** Puts an object into the store as if another client created or replaced it. Returns the stored copy. */
  seed<T extends KubeObject>(kind: ResourceKind, obj: T): T {
    const namespace = obj.metadata.namespace ?? '';
    const key = keyOf(kind, namespace, obj.metadata.name);
    const previous = this.objects.get(key);
    const stored = clone(obj);
    stored.apiVersion = stored.apiVersion ?? apiVersionOf(kind);
    stored.kind = stored.kind ?? kind.kind;
    stored.metadata.uid =
      stored.metadata.uid ??
      previous?.metadata.uid ??
      `uid-${++this.uidCounter}`;
    stored.metadata.resourceVersion = String(++this.version);
    stored.metadata.generation =
      previous && specPart(previous) === specPart(stored)
        ? previous.metadata.generation ?? 1
        : (previous?.metadata.generation ?? 0) + 1;
    this.objects.set(key, stored);
    return clone(stored);
  }

  get<T extends KubeObject = KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
  ): T | undefined {
    return clone(this.objects.get(keyOf(kind, namespace, name))) as
      | T
      | undefined;
  }

  list<T extends KubeObject = KubeObject>(
    kind: ResourceKind,
    namespace?: string,
  ): T[] {
    const prefix = `${kind.group}/${kind.version}/${kind.plural}/${
      namespace !== undefined ? `${namespace}/` : ''
    }`;
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, v]) => clone(v) as T);
  }

  /**
   * Replaces an object the way a PUT does: the caller's resourceVersion must match the stored one (409 otherwise),
   * status is ignored when `subresource` is 'main' and everything but status is ignored for 'status'.
   */
  replace<T extends KubeObject>(
    kind: ResourceKind,
    obj: T,
    subresource: 'main' | 'status' = 'main',
  ): T {
    const namespace = obj.metadata.namespace ?? '';
    const name = obj.metadata.name;
    const current = this.objects.get(keyOf(kind, namespace, name));
    if (!current)
      throw new KubeApiError(
        `${kind.plural} "${name}" not found`,
        404,
        'NotFound',
      );
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== current.metadata.resourceVersion) {
      throw new KubeApiError(
        `Operation cannot be fulfilled on ${kind.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        409,
        'Conflict',
      );
    }
    let next: KubeObject;
    if (subresource === 'status') {
      next = { ...clone(current), status: clone(obj.status) };
    } else {
      next = clone(obj);
      if (current.status !== undefined) next.status = clone(current.status);
      else delete next.status;
      next.metadata.uid = current.metadata.uid;
      next.metadata.creationTimestamp = current.metadata.creationTimestamp;
    }
    next.metadata.resourceVersion = String(++this.version);
    next.metadata.generation =
      specPart(current) === specPart(next)
        ? current.metadata.generation ?? 1
        : (current.metadata.generation ?? 1) + 1;
    this.objects.set(keyOf(kind, namespace, name), next);
    return clone(next) as T;
  }

  async create<T extends KubeObject>(
    kind: ResourceKind,
    obj: T,
    opts?: { signal?: AbortSignal },
  ): Promise<T> {
    opts?.signal?.throwIfAborted();
    const namespace = obj.metadata.namespace ?? '';
    const existing = this.get<T>(kind, namespace, obj.metadata.name);
    if (existing) return existing;
    this.beforeWrite?.('create', kind, namespace, obj.metadata.name);
    const created = this.insert(kind, obj);
    this.writes.push({
      verb: 'create',
      kind: kind.kind,
      namespace,
      name: obj.metadata.name,
    });
    return created;
  }

  async update<T extends KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
    mutate: (current: T | undefined) => T | undefined,
    opts?: { signal?: AbortSignal },
  ): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      opts?.signal?.throwIfAborted();
      const current = this.get<T>(kind, namespace, name);
      const desired = mutate(clone(current));
      if (desired === undefined) return current;
      try {
        this.beforeWrite?.('update', kind, namespace, name);
        let result: T;
        if (current) {
          const body = clone(desired);
          body.metadata = { ...body.metadata, namespace, name };
          // The mutator saw `current`, so its write is guarded by that version even if it dropped the field.
          body.metadata.resourceVersion =
            desired.metadata.resourceVersion ??
            current.metadata.resourceVersion;
          result = this.replace(kind, body);
        } else {
          result = this.insert(kind, {
            ...desired,
            metadata: { ...desired.metadata, namespace, name },
          });
        }
        this.writes.push({
          verb: current ? 'update' : 'create',
          kind: kind.kind,
          namespace,
          name,
        });
        return result;
      } catch (e) {
        const conflict =
          e instanceof KubeApiError &&
          (e.status === 409 || e.reason === 'AlreadyExists');
        if (!conflict) throw e;
        if (attempt + 1 >= MAX_CONFLICT_RETRIES) {
          throw new KubeConflictError(
            `${kind.kind} ${name}.${namespace}: ${e.message}`,
          );
        }
      }
    }
  }

  async mergePatch<T extends KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
    patch: unknown,
    opts?: { signal?: AbortSignal },
  ): Promise<T> {
    opts?.signal?.throwIfAborted();
    const current = this.objects.get(keyOf(kind, namespace, name));
    if (!current)
      throw new KubeApiError(
        `${kind.plural} "${name}" not found`,
        404,
        'NotFound',
      );
    this.beforeWrite?.('patch', kind, namespace, name);
    const next = applyMergePatch(current, patch) as T;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    const result = this.replace(kind, next);
    this.writes.push({ verb: 'patch', kind: kind.kind, namespace, name });
    return result;
  }

  async updateStatus<T extends KubeObject>(
    kind: ResourceKind,
    namespace: string,
    name: string,
    mutate: (current: T) => T['status'] | undefined,
    opts?: { signal?: AbortSignal },
  ): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      opts?.signal?.throwIfAborted();
      const current = this.get<T>(kind, namespace, name);
      if (!current)
        throw new KubeApiError(
          `${kind.plural} "${name}" not found`,
          404,
          'NotFound',
        );
      const status = mutate(clone(current));
      if (status === undefined) return current;
      try {
        this.beforeWrite?.('status', kind, namespace, name);
        const result = this.replace(kind, { ...current, status }, 'status');
        this.writes.push({ verb: 'status', kind: kind.kind, namespace, name });
        return result;
      } catch (e) {
        if (!(e instanceof KubeApiError && e.status === 409)) throw e;
        if (attempt + 1 >= MAX_CONFLICT_RETRIES) {
          throw new KubeConflictError(
            `${kind.kind} ${name}.${namespace} status: ${e.message}`,
          );
        }
      }
    }
  }

  async delete(
    kind: ResourceKind,
    namespace: string,
    name: string,
    opts?: { signal?: AbortSignal },
  ): Promise<void> {
    opts?.signal?.throwIfAborted();
    const key = keyOf(kind, namespace, name);
    if (!this.objects.has(key)) return;
    this.beforeWrite?.('delete', kind, namespace, name);
    this.objects.delete(key);
    this.writes.push({ verb: 'delete', kind: kind.kind, namespace, name });
  }

  async recordEvent(
    involved: KubeObject,
    event: {
      type: 'Normal' | 'Warning';
      reason?: string;
      message: string;
      component?: string;
    },
    opts?: { signal?: AbortSignal },
  ): Promise<void> {
    opts?.signal?.throwIfAborted();
    this.events.push({
      involved: {
        kind: involved.kind,
        namespace: involved.metadata.namespace,
        name: involved.metadata.name,
      },
      type: event.type,
      reason: event.reason ?? 'Synced',
      message: event.message,
      component: event.component ?? 'flagger',
    });
  }

  private insert<T extends KubeObject>(kind: ResourceKind, obj: T): T {
    const namespace = obj.metadata.namespace ?? '';
    const key = keyOf(kind, namespace, obj.metadata.name);
    if (this.objects.has(key)) {
      throw new KubeApiError(
        `${kind.plural} "${obj.metadata.name}" already exists`,
        409,
        'AlreadyExists',
      );
    }
    const stored = clone(obj);
    stored.apiVersion = apiVersionOf(kind);
    stored.kind = kind.kind;
    stored.metadata.uid = `uid-${++this.uidCounter}`;
    stored.metadata.resourceVersion = String(++this.version);
    stored.metadata.generation = 1;
    stored.metadata.creationTimestamp = new Date(0).toISOString();
    delete stored.status;
    this.objects.set(key, stored);
    return clone(stored);
  }
}
