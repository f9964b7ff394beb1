import { LoggerService } from '@backstage/backend-plugin-api';
import { KubeTransport } from './clusters';
import { ListWatch, ListWatchOptions, Projector } from './listWatch';
import { projectorFor } from './projectors';
import { KubeObject, ObjectReader, ResourceKind } from './types';

/** How one kind is watched in a cluster. The first registration of a kind decides its selectors. */
export interface WatchSpec {
  kind: ResourceKind;
  fieldSelector?: string;
  labelSelector?: string;
}

export type ListWatchTuning = Partial<
  Pick<
    ListWatchOptions,
    'pageSize' | 'sliceMs' | 'watchTimeoutSeconds' | 'minReconnectIntervalMs' | 'backoff' | 'idleSlackMs' | 'now' | 'random'
  >
>;

export interface ClusterCacheOptions {
  transport: KubeTransport;
  logger: LoggerService;
  tuning?: ListWatchTuning;
  /** How objects of each kind are shrunk before they are stored; defaults to `projectorFor`. */
  projectorFor?: (kind: ResourceKind) => Projector;
  /** What the store keeps of each kind's projected objects, where that is less (see `ListWatchOptions.compactor`). */
  compactorFor?: (kind: ResourceKind) => Projector | undefined;
}

export function kindKey(kind: ResourceKind): string {
  return `${kind.group}/${kind.version}/${kind.plural}`;
}

/**
 * Watch-backed reader for one cluster: one list-watch per kind, shared by every reader (reconciler, routers, fleet).
 * Reading a kind nobody registered starts its watch; until the first LIST completes the answer is empty, which
 * callers can detect with `hasSynced(kind)`.
 */
export class ClusterCache implements ObjectReader {
  readonly cluster: string;
  private readonly watches = new Map<string, ListWatch>();
  private readonly opts: ClusterCacheOptions;
  private stopped = false;

  constructor(options: ClusterCacheOptions) {
    this.opts = options;
    this.cluster = options.transport.cluster;
  }

  /** Returns the shared list-watch of `spec.kind`, starting it on first use. */
  watch(spec: WatchSpec): ListWatch {
    const key = kindKey(spec.kind);
    let lw = this.watches.get(key);
    if (lw) return lw;
    lw = new ListWatch({
      transport: this.opts.transport,
      kind: spec.kind,
      fieldSelector: spec.fieldSelector,
      labelSelector: spec.labelSelector,
      projector: (this.opts.projectorFor ?? projectorFor)(spec.kind),
      compactor: this.opts.compactorFor?.(spec.kind),
      logger: this.opts.logger,
      ...this.opts.tuning,
    });
    this.watches.set(key, lw);
    if (!this.stopped) lw.start();
    return lw;
  }

  informer(kind: ResourceKind): ListWatch | undefined {
    return this.watches.get(kindKey(kind));
  }

  informers(): ListWatch[] {
    return [...this.watches.values()];
  }

  hasSynced(kind: ResourceKind): boolean {
    return this.informer(kind)?.hasSynced ?? false;
  }

  get<T extends KubeObject = KubeObject>(kind: ResourceKind, namespace: string, name: string): T | undefined {
    return this.watch({ kind }).get(namespace, name) as T | undefined;
  }

  list<T extends KubeObject = KubeObject>(kind: ResourceKind, namespace?: string): T[] {
    return this.watch({ kind }).list(namespace) as T[];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.watches.values()].map(w => w.stop()));
  }
}
