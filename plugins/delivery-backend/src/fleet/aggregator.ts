import { LoggerService } from '@backstage/backend-plugin-api';
import { Canary, CanaryRef, CanarySummary, ClusterHealth, canaryKey } from '@delivery/plugin-delivery-common';
import { ClusterConfig } from '../config';
import { ClusterCache, ListWatchTuning, WatchSpec } from '../kube/cache';
import { KubeHttpClient } from '../kube/clusters';
import { OBSERVED_PROJECTION, reconcilerProjectorFor } from '../kube/projectors';
import { yieldToEventLoop } from '../kube/backoff';
import { KINDS, KubeObject, ObjectReader } from '../kube/types';
import { CanaryFacts, factsOf, fullCanary } from '../kube/compactCanary';
import { StringPool } from '../kube/stringPool';
import { clusterHealth } from './health';
import { TargetLabels, kubernetesIdsOf } from './entityIndex';
import { searchTextOf } from './fleetQuery';
import { StringMultiMap } from './multiMap';
import { KubeEvent, RowContext, buildSummary, rebuildSummary, sameSummary, templateLabelsOf } from './summary';

/** Every kind the aggregator watches per cluster; router CRDs may be absent, so they are optional. */
export const FLEET_WATCHES: Array<WatchSpec & { optional?: boolean }> = [
  { kind: KINDS.canary },
  { kind: KINDS.metricTemplate },
  { kind: KINDS.alertProvider },
  { kind: KINDS.deployment },
  { kind: KINDS.daemonSet },
  { kind: KINDS.service },
  { kind: KINDS.ingress },
  { kind: KINDS.event, fieldSelector: 'involvedObject.kind=Canary' },
  { kind: KINDS.trafficSplit, optional: true },
  { kind: KINDS.httpRouteV1, optional: true },
  { kind: KINDS.httpRouteV1beta1, optional: true },
];

/** The kinds a fleet row is built from. */
const ROW_KINDS = [KINDS.canary, KINDS.deployment, KINDS.daemonSet, KINDS.event];

export interface FleetClusterSource {
  name: string;
  cache: ClusterCache;
  controller: ClusterHealth['controller'];
  dashboardUrl?: string;
}

/** Looks up the catalog entities (and their owners) a canary target belongs to. */
export interface EntityLookup {
  readonly version: number;
  match(target: TargetLabels): { entityRefs: string[]; owners: string[] };
}

export interface FleetSnapshot {
  summaries: CanarySummary[];
  savedAt: number;
}

/**
 * `canary` is the whole canary when the change came from the canary itself (or a snapshot was replaced); a row
 * rebuilt because a workload, an event or the catalog changed carries none, since the canary did not change.
 */
export type FleetChange = { ref: CanaryRef; summary?: CanarySummary; canary?: Canary };

export interface FleetOptions {
  clusters: FleetClusterSource[];
  logger: LoggerService;
  now?: () => number;
  entities?: EntityLookup;
  /** Served at once, per cluster, until that cluster's canaries have been listed. */
  snapshot?: FleetSnapshot;
}

/**
 * One live row and what indexes it. `key` (`<ns>/<name>`) is the one copy of that string every index of the cluster
 * holds: at 100k rows, a fresh copy per index and per rebuild cost more than the entry.
 */
interface RowEntry {
  key: string;
  row: CanarySummary;
  /**
   * kubernetes-id label values of the row's target when the row was built (one as the string itself), to unindex
   * them when the target's labels change: its old labels are gone from the cache by then.
   */
  ids: string | string[] | undefined;
  /** Catalog owners of the row's entities; most rows have none. */
  owners: string[] | undefined;
}

interface ClusterState {
  source: FleetClusterSource;
  rows: Map<string, RowEntry>;
  /** kubernetes-id label value of a row's target → row keys, so an entity tab touches only its own rows. */
  byKubernetesId: StringMultiMap;
  /** `<ns>/<targetName>` → canary names targeting it (almost always one: an array, not a Set, per target). */
  targets: StringMultiMap;
  /** `<ns>/<canary>` → events by event name. */
  events: Map<string, Map<string, KubeEvent>>;
  snapshotRows?: Map<string, CanarySummary>;
  /** Shares the strings rows repeat (namespace, provider, kind, phase, message) across this cluster's rows. */
  pool: StringPool;
}

const nsName = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;
const labelsOf = (namespace: string, target: KubeObject | undefined): TargetLabels => ({
  namespace,
  labelSets: [target?.metadata.labels, templateLabelsOf(target)],
});
/** Most canaries have no owner: one shared empty list instead of one per row. */
const NO_OWNERS = Object.freeze([]) as unknown as string[];

/**
 * The fleet view: per cluster one shared cache of the watched kinds, and view models kept up to date from watch
 * events, so every read is answered from memory and readers add no load to any cluster.
 */
export class FleetAggregator {
  private readonly clusters = new Map<string, ClusterState>();
  private readonly listeners = new Set<(c: FleetChange) => void>();
  private readonly eventListeners = new Set<(cluster: string, e: KubeEvent) => void>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly now: () => number;
  /** Lower-case search text per row object; a recomputed row is a new object, so entries never go stale. */
  private readonly searchTexts = new WeakMap<CanarySummary, string>();
  private started = false;

  constructor(private readonly o: FleetOptions) {
    this.now = o.now ?? Date.now;
    for (const source of o.clusters) {
      const snapshotRows = new Map<string, CanarySummary>();
      for (const s of o.snapshot?.summaries ?? []) if (s.cluster === source.name) snapshotRows.set(nsName(s.namespace, s.name), s);
      this.clusters.set(source.name, {
        source,
        rows: new Map(),
        byKubernetesId: new StringMultiMap(),
        targets: new StringMultiMap(),
        events: new Map(),
        snapshotRows: o.snapshot ? snapshotRows : undefined,
        pool: new StringPool(),
      });
    }
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const st of this.clusters.values()) this.startCluster(st);
  }

  async stop(): Promise<void> {
    this.unsubscribe.splice(0).forEach(u => u());
    await Promise.all([...this.clusters.values()].map(c => c.source.cache.stop()));
  }

  /** Change notifications (canary added, changed or deleted), for signals, history and snapshots. */
  onChange(listener: (c: FleetChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Canary Events as they arrive or change, for the durable history. */
  onEvent(listener: (cluster: string, e: KubeEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  reader(cluster: string): ObjectReader | undefined {
    return this.clusters.get(cluster)?.source.cache;
  }

  clusterHealth(): ClusterHealth[] {
    return [...this.clusters.values()].map(st => {
      const { source } = st;
      const watches = FLEET_WATCHES.map(w => {
        const lw = source.cache.informer(w.kind);
        return {
          kind: w.kind.plural,
          optional: w.optional,
          synced: lw?.synced ?? false,
          hasSynced: lw?.hasSynced ?? false,
          lastSyncTime: lw?.lastSyncTime,
          lastError: lw?.lastError,
        };
      });
      const usingSnapshot = st.snapshotRows !== undefined;
      return clusterHealth({
        name: source.name,
        controller: source.controller,
        dashboardUrl: source.dashboardUrl,
        canaryCount: usingSnapshot ? st.snapshotRows!.size : st.rows.size,
        watches,
        snapshotTime: usingSnapshot || !watches.every(w => w.optional || w.synced) ? this.o.snapshot?.savedAt : undefined,
      });
    });
  }

  /** Every row, live or from the snapshot for clusters that have not re-synced yet. */
  *summaries(): Iterable<CanarySummary> {
    for (const st of this.clusters.values()) {
      if (st.snapshotRows) yield* st.snapshotRows.values();
      else for (const entry of st.rows.values()) yield entry.row;
    }
  }

  /**
   * The rows whose target carries `backstage.io/kubernetes-id: <id>`, plus every row of a cluster still served from
   * the snapshot (those have no live target yet), for the caller to match exactly.
   */
  *rowsForKubernetesId(id: string): Iterable<CanarySummary> {
    for (const st of this.clusters.values()) {
      if (st.snapshotRows) {
        yield* st.snapshotRows.values();
        continue;
      }
      for (const key of st.byKubernetesId.get(id)) {
        const entry = st.rows.get(key);
        if (entry) yield entry.row;
      }
    }
  }

  /** `searchTextOf(row)`, computed once per row version. */
  searchText(row: CanarySummary): string {
    let text = this.searchTexts.get(row);
    if (text === undefined) this.searchTexts.set(row, (text = searchTextOf(row)));
    return text;
  }

  summary(ref: CanaryRef): CanarySummary | undefined {
    const st = this.clusters.get(ref.cluster);
    const key = nsName(ref.namespace, ref.name);
    return st?.snapshotRows ? st.snapshotRows.get(key) : st?.rows.get(key)?.row;
  }

  owners(ref: CanaryRef): string[] {
    return this.clusters.get(ref.cluster)?.rows.get(nsName(ref.namespace, ref.name))?.owners ?? NO_OWNERS;
  }

  /** The whole canary (inflated when the cache keeps it compact), for details, YAML and actions. */
  canary(ref: CanaryRef): Canary | undefined {
    return fullCanary(this.clusters.get(ref.cluster)?.source.cache.informer(KINDS.canary)?.get(ref.namespace, ref.name));
  }

  events(ref: CanaryRef): KubeEvent[] {
    const byName = this.clusters.get(ref.cluster)?.events.get(nsName(ref.namespace, ref.name));
    return [...(byName?.values() ?? [])];
  }

  /** Labels of a canary's target workload (and its pod template), for entity matching. */
  targetLabels(ref: CanaryRef): TargetLabels | undefined {
    const st = this.clusters.get(ref.cluster);
    // Live rows only, as rows from the snapshot have no live target yet.
    const row = st?.rows.get(nsName(ref.namespace, ref.name))?.row;
    if (!st || !row) return undefined;
    return labelsOf(row.namespace, this.workload(st, row.namespace, row.targetKind, row.targetName));
  }

  private workload(st: ClusterState, ns: string, targetKind: string | undefined, name: string): KubeObject | undefined {
    return st.source.cache.informer(targetKind === 'DaemonSet' ? KINDS.daemonSet : KINDS.deployment)?.get(ns, name);
  }

  /** Re-derives entity refs and owners of every canary, e.g. after the catalog index refreshed. */
  async refreshEntities(): Promise<void> {
    let n = 0;
    for (const st of this.clusters.values()) {
      for (const c of st.source.cache.informer(KINDS.canary)?.list() ?? []) {
        this.recompute(st, c.metadata.namespace ?? '', c.metadata.name);
        if (++n % 1000 === 0) await yieldToEventLoop();
      }
    }
  }

  private startCluster(st: ClusterState) {
    const { cache } = st.source;
    const watches = new Map(FLEET_WATCHES.map(w => [w.kind, cache.watch(w)]));
    const canaries = watches.get(KINDS.canary)!;
    this.unsubscribe.push(
      canaries.subscribe(e => {
        const { name } = e.object.metadata;
        const ns = e.object.metadata.namespace ?? '';
        if (e.old) st.targets.remove(nsName(ns, factsOf(e.old).targetName), name);
        if (e.type === 'delete') {
          this.remove(st, ns, name);
          return;
        }
        // The whole canary as projected: an observed cluster's store keeps only a record of it.
        const canary = (e.projected ?? e.object) as unknown as Canary;
        const facts = factsOf(e.object);
        const entry = this.recompute(st, ns, name, { canary, facts });
        // A target usually has its canary's name: then the target key is the row key, not another copy.
        st.targets.add(entry && facts.targetName === name ? entry.key : nsName(ns, facts.targetName), name);
      }),
    );
    // Rows are built from canaries, their workloads and events: the snapshot stays until all of those have listed,
    // otherwise live rows would first appear without images or messages and change again a moment later.
    const rowSources = ROW_KINDS.map(k => watches.get(k)!);
    const replaceSnapshot = () => {
      if (!st.snapshotRows || !rowSources.every(w => w.hasSynced)) return;
      // Live rows replace the snapshot in one step; deleted-while-down canaries disappear with it.
      const stale = st.snapshotRows;
      st.snapshotRows = undefined;
      for (const [key, s] of stale) {
        if (!st.rows.has(key)) this.emit({ ref: s, summary: undefined });
      }
      for (const [key, { row: s }] of st.rows) {
        const old = stale.get(key);
        if (!old || !sameSummary(old, s)) {
          this.emit({ ref: s, summary: s, canary: fullCanary(canaries.get(s.namespace, s.name)) });
        }
      }
    };
    for (const w of rowSources) this.unsubscribe.push(w.onSyncChange(replaceSnapshot));
    const onWorkload = (e: { object: KubeObject }) => {
      const ns = e.object.metadata.namespace ?? '';
      const name = e.object.metadata.name;
      const names = new Set([
        ...st.targets.get(nsName(ns, name)),
        ...(name.endsWith('-primary') ? st.targets.get(nsName(ns, name.slice(0, -8))) : []),
      ]);
      for (const canary of names) this.recompute(st, ns, canary);
    };
    this.unsubscribe.push(watches.get(KINDS.deployment)!.subscribe(onWorkload));
    this.unsubscribe.push(watches.get(KINDS.daemonSet)!.subscribe(onWorkload));
    this.unsubscribe.push(
      watches.get(KINDS.event)!.subscribe(e => {
        const ev = e.object as KubeEvent;
        const inv = ev.involvedObject;
        if (inv?.kind !== 'Canary' || !inv.name) return;
        const evKey = nsName(inv.namespace ?? ev.metadata.namespace, inv.name);
        const key = st.rows.get(evKey)?.key ?? evKey;
        let byName = st.events.get(key);
        if (e.type === 'delete') {
          byName?.delete(ev.metadata.name);
          if (byName?.size === 0) st.events.delete(key);
        } else {
          if (!byName) st.events.set(key, (byName = new Map()));
          byName.set(ev.metadata.name, ev);
          this.eventListeners.forEach(l => l(st.source.name, ev));
        }
        this.recompute(st, inv.namespace ?? ev.metadata.namespace ?? '', inv.name);
      }),
    );
  }

  private remove(st: ClusterState, ns: string, name: string) {
    const entry = st.rows.get(nsName(ns, name));
    if (!entry) return;
    this.setIds(st, entry, []);
    st.rows.delete(entry.key);
    if (!st.snapshotRows) this.emit({ ref: { cluster: st.source.name, namespace: ns, name } });
  }

  /**
   * Builds a canary's row: from the whole canary when it changed (`changed`), else from its previous row and the
   * cached facts, so a workload or event change never unpacks the canary.
   */
  private recompute(
    st: ClusterState,
    ns: string,
    name: string,
    changed?: { canary: Canary; facts: CanaryFacts },
  ): RowEntry | undefined {
    const stored = st.source.cache.informer(KINDS.canary)?.get(ns, name);
    if (!stored) return undefined;
    const lookup = nsName(ns, name);
    let entry = st.rows.get(lookup);
    const key = entry?.key ?? lookup;
    const prev = entry?.row;
    const facts = changed?.facts ?? factsOf(stored);
    const target = this.workload(st, ns, facts.targetKind, facts.targetName);
    const primary = this.workload(st, ns, facts.targetKind, `${facts.targetName}-primary`);
    const labels = labelsOf(ns, target);
    const match = this.o.entities?.match(labels);
    const ctx: RowContext = {
      target,
      primary,
      events: [...(st.events.get(key)?.values() ?? [])],
      entityRefs: match?.entityRefs,
      now: this.now(),
    };
    let summary: CanarySummary;
    if (changed || !prev) {
      const canary = changed?.canary ?? fullCanary(stored)!;
      summary = buildSummary({ ...ctx, cluster: st.source.name, canary, facts });
      const { pool } = st;
      summary.namespace = pool.intern(summary.namespace);
      summary.provider = pool.intern(summary.provider);
      summary.targetKind = pool.intern(summary.targetKind);
      summary.phase = pool.intern(summary.phase);
    } else {
      summary = rebuildSummary(prev, facts, ctx);
    }
    summary.message = st.pool.intern(summary.message);
    const owners = match?.owners.length ? match.owners : undefined;
    if (entry) {
      entry.row = summary;
      entry.owners = owners;
    } else {
      entry = { key, row: summary, ids: undefined, owners };
      st.rows.set(key, entry);
    }
    this.setIds(st, entry, kubernetesIdsOf(labels));
    if (!st.snapshotRows && (!prev || !sameSummary(prev, summary))) {
      this.emit({ ref: summary, summary, canary: changed?.canary });
    }
    return entry;
  }

  private setIds(st: ClusterState, entry: RowEntry, ids: string[]) {
    const old = typeof entry.ids === 'string' ? [entry.ids] : entry.ids ?? [];
    // Most recomputes come from status changes that leave the target's labels as they were.
    if (old.length === ids.length && old.every((id, i) => id === ids[i])) return;
    for (const id of old) st.byKubernetesId.remove(id, entry.key);
    for (const id of ids) st.byKubernetesId.add(id, entry.key);
    entry.ids = ids.length > 1 ? ids : ids[0];
  }

  private emit(change: FleetChange) {
    const ref = { cluster: change.ref.cluster, namespace: change.ref.namespace, name: change.ref.name };
    for (const l of this.listeners) {
      try {
        l({ ...change, ref });
      } catch (e) {
        this.o.logger.warn(`fleet listener failed for ${canaryKey(ref)}: ${(e as Error).message}`);
      }
    }
  }
}

export interface CreateFleetOptions extends Omit<FleetOptions, 'clusters'> {
  clusters: ClusterConfig[];
  /** Which clusters our own reconciler drives; the rest are observed (upstream Flagger). */
  reconciledClusters?: string[];
  tuning?: ListWatchTuning;
}

/**
 * Builds a fleet from cluster configs alone — usable outside Backstage (benchmarks, the multi-cluster harness).
 * Returns the aggregator and the per-cluster caches so the reconciler can share them.
 */
export function createFleet(options: CreateFleetOptions): { fleet: FleetAggregator; caches: Map<string, ClusterCache> } {
  const caches = new Map<string, ClusterCache>();
  const sources = options.clusters.map(c => {
    const reconciled = options.reconciledClusters?.includes(c.name) ?? false;
    const cache = new ClusterCache({
      transport: new KubeHttpClient({ cluster: c }),
      logger: options.logger.child({ cluster: c.name }),
      tuning: { now: options.now, ...options.tuning },
      // The reconciler copies a target's whole pod template into its primary; where it does not run, keep less.
      ...(reconciled ? { projectorFor: reconcilerProjectorFor } : OBSERVED_PROJECTION),
    });
    caches.set(c.name, cache);
    return {
      name: c.name,
      cache,
      controller: (reconciled ? 'delivery' : 'flagger') as ClusterHealth['controller'],
      dashboardUrl: c.dashboardUrl,
    };
  });
  return { fleet: new FleetAggregator({ ...options, clusters: sources }), caches };
}
