import { CanarySummary, FleetQuery } from '@delivery/plugin-delivery-common';

export const MAX_FLEET_LIMIT = 500;
export const DEFAULT_FLEET_LIMIT = 50;

// Code-unit order, not localeCompare: Kubernetes names are ASCII, and a locale-aware compare made sorting 100k rows
// the slowest part of a fleet page.
function order(x: string, y: string): number {
  if (x === y) return 0;
  return x < y ? -1 : 1;
}

function sortKey(s: CanarySummary, sort: NonNullable<FleetQuery['sort']>): string {
  switch (sort) {
    case 'cluster':
      return s.cluster;
    case 'namespace':
      return s.namespace;
    case 'phase':
      return s.phase;
    case 'updated':
      return s.updatedAt;
    default:
      return s.name;
  }
}

function compare(a: CanarySummary, b: CanarySummary, sort: NonNullable<FleetQuery['sort']>): number {
  // Stable tie-break so paging never shows a row twice.
  return (
    order(sortKey(a, sort), sortKey(b, sort)) ||
    order(a.cluster, b.cluster) ||
    order(a.namespace, b.namespace) ||
    order(a.name, b.name)
  );
}

/** Filters, counts phases (before paging, after the other filters), sorts and pages summaries. Pure. */
export function queryFleet(
  rows: Iterable<CanarySummary>,
  query: FleetQuery,
): { items: CanarySummary[]; total: number; offset: number; limit: number; phaseCounts: Record<string, number> } {
  const clusters = query.cluster?.length ? new Set(query.cluster) : undefined;
  const namespaces = query.namespace?.length ? new Set(query.namespace) : undefined;
  const phases = query.phase?.length ? new Set<string>(query.phase) : undefined;
  const search = query.search?.trim().toLowerCase();
  const phaseCounts: Record<string, number> = {};
  const matched: CanarySummary[] = [];
  for (const s of rows) {
    if (clusters && !clusters.has(s.cluster)) continue;
    if (namespaces && !namespaces.has(s.namespace)) continue;
    if (query.needsAttention !== undefined && s.needsAttention !== query.needsAttention) continue;
    if (
      search &&
      !`${s.cluster}/${s.namespace}/${s.name} ${s.targetName} ${(s.entityRefs ?? []).join(' ')}`
        .toLowerCase()
        .includes(search)
    ) {
      continue;
    }
    const phase = s.phase || 'Unknown';
    phaseCounts[phase] = (phaseCounts[phase] ?? 0) + 1;
    if (phases && !phases.has(s.phase)) continue;
    matched.push(s);
  }
  const sort = query.sort ?? 'name';
  const sign = query.order === 'desc' ? -1 : 1;
  const offset = Math.max(0, query.offset ?? 0);
  const limit = Math.min(MAX_FLEET_LIMIT, Math.max(1, query.limit ?? DEFAULT_FLEET_LIMIT));
  const page = firstSorted(matched, offset + limit, (a, b) => sign * compare(a, b, sort)).slice(offset);
  return { items: page, total: matched.length, offset, limit, phaseCounts };
}

/**
 * The first `k` rows in `cmp` order. A page needs only the rows up to its end, so for a small page of a big fleet a
 * bounded insertion beats sorting every row (the tie-break makes the order total, so the result is the same).
 */
export function firstSorted<T>(rows: T[], k: number, cmp: (a: T, b: T) => number): T[] {
  if (k * 8 >= rows.length) return [...rows].sort(cmp).slice(0, k);
  const top: T[] = [];
  for (const r of rows) {
    if (top.length === k && cmp(r, top[k - 1]) >= 0) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(r, top[mid]) < 0) hi = mid;
      else lo = mid + 1;
    }
    top.splice(lo, 0, r);
    if (top.length > k) top.pop();
  }
  return top;
}
