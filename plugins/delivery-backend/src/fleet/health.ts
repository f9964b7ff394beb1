import { ClusterHealth, ClusterState } from '@delivery/plugin-delivery-common';
import type { WatchError } from '../kube/listWatch';

/** What health needs to know about one watched kind. */
export interface WatchState {
  kind: string;
  synced: boolean;
  hasSynced: boolean;
  lastSyncTime?: number;
  lastError?: WatchError;
  /** Kinds whose CRD may legitimately be absent (router objects); their errors do not change the state. */
  optional?: boolean;
}

export interface ClusterHealthInput {
  name: string;
  controller: ClusterHealth['controller'];
  dashboardUrl?: string;
  canaryCount: number;
  watches: WatchState[];
  /** When this cluster's rows come from the warm-start snapshot: its time. */
  snapshotTime?: number;
}

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

/**
 * One state per cluster, reported once in the cluster list instead of as an error on every read. The order of the
 * checks matters: a missing Flagger CRD or missing rights explain everything else, so they win over reachability.
 */
export function clusterHealth(input: ClusterHealthInput): ClusterHealth {
  const required = input.watches.filter(w => !w.optional);
  const syncTimes = required.map(w => w.lastSyncTime).filter((t): t is number => t !== undefined);
  const lastSync =
    syncTimes.length === required.length && syncTimes.length > 0 ? Math.min(...syncTimes) : input.snapshotTime;
  const base = {
    name: input.name,
    controller: input.controller,
    dashboardUrl: input.dashboardUrl,
    canaryCount: input.canaryCount,
    lastSyncTime: iso(lastSync),
  };
  const result = (state: ClusterState, message?: string): ClusterHealth => ({ ...base, state, message });

  const canary = required.find(w => w.kind === 'canaries');
  if (canary?.lastError?.class === 'not-installed') {
    return result('not-installed', "Flagger's Canary CRD (canaries.flagger.app/v1beta1) is not served by this cluster");
  }
  const denied = required.filter(w => w.lastError?.class === 'unauthorized');
  if (denied.length) {
    return result(
      'unauthorized',
      `the aggregator's ServiceAccount may not list/watch ${denied.map(w => w.kind).join(', ')}; apply deploy/rbac/aggregator-clusterrole.yaml`,
    );
  }
  const unreachable = required.find(w => !w.synced && w.lastError?.class === 'unreachable');
  if (unreachable) return result('unreachable', unreachable.lastError!.message);
  if (required.length > 0 && required.every(w => w.synced)) return result('synced');
  const failing = required.find(w => !w.synced && w.lastError);
  if (failing && (required.every(w => w.hasSynced) || input.snapshotTime !== undefined)) {
    return result('stale', failing.lastError!.message);
  }
  if (failing) return result('unreachable', failing.lastError!.message);
  if (input.snapshotTime !== undefined) return result('stale', 'showing the last snapshot until the cluster has re-synced');
  return result('pending', 'first sync in progress');
}
