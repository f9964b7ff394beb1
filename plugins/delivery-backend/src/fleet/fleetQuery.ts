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

/** The lower-case text a fleet search matches against. */
export function searchTextOf(s: CanarySummary): string {
  return `${s.cluster}/${s.namespace}/${s.name} ${s.targetName} ${(s.entityRefs ?? []).join(' ')}`.toLowerCase();
}

export interface QueryFleetOptions {
  /** Rows the caller may read; omitted when every row is visible. Evaluated after the cheaper filters. */
  visible?: (s: CanarySummary) => boolean;
  /** Cached `searchTextOf`, so a search does not build and lower-case a string per row per request. */
  searchText?: (s: CanarySummary) => string;
}

/** The first `k` rows in `cmp` order of those offered, kept sorted by binary insertion. */
class TopK<T> {
  readonly rows: T[] = [];
  constructor(private readonly k: number, private readonly cmp: (a: T, b: T) => number) {}

  offer(r: T) {
    const { rows, k, cmp } = this;
    if (rows.length === k && cmp(r, rows[k - 1]) >= 0) return;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(r, rows[mid]) < 0) hi = mid;
      else lo = mid + 1;
    }
    rows.splice(lo, 0, r);
    if (rows.length > k) rows.pop();
  }
}

/** Above this page end, rows are collected and sorted; below it, the page is kept by bounded insertion. */
const STREAMED_PAGE_END = 2000;

/** Filters, counts phases (before paging, after the other filters), sorts and pages summaries. Pure. */
export function queryFleet(
  rows: Iterable<CanarySummary>,
  query: FleetQuery,
  options: QueryFleetOptions = {},
): { items: CanarySummary[]; total: number; offset: number; limit: number; phaseCounts: Record<string, number> } {
  const clusters = query.cluster?.length ? new Set(query.cluster) : undefined;
  const namespaces = query.namespace?.length ? new Set(query.namespace) : undefined;
  const phases = query.phase?.length ? new Set<string>(query.phase) : undefined;
  const search = query.search?.trim().toLowerCase();
  const { visible, searchText = searchTextOf } = options;
  const sort = query.sort ?? 'name';
  const sign = query.order === 'desc' ? -1 : 1;
  const offset = Math.max(0, query.offset ?? 0);
  const limit = Math.min(MAX_FLEET_LIMIT, Math.max(1, query.limit ?? DEFAULT_FLEET_LIMIT));
  const cmp = (a: CanarySummary, b: CanarySummary) => sign * compare(a, b, sort);
  // A small page of a big fleet keeps only its first rows while walking, so no array of every match is built.
  const top = offset + limit <= STREAMED_PAGE_END ? new TopK(offset + limit, cmp) : undefined;
  const phaseCounts: Record<string, number> = {};
  const matched: CanarySummary[] = [];
  let total = 0;
  for (const s of rows) {
    if (clusters && !clusters.has(s.cluster)) continue;
    if (namespaces && !namespaces.has(s.namespace)) continue;
    if (query.needsAttention !== undefined && s.needsAttention !== query.needsAttention) continue;
    if (search && !searchText(s).includes(search)) continue;
    if (visible && !visible(s)) continue;
    const phase = s.phase || 'Unknown';
    phaseCounts[phase] = (phaseCounts[phase] ?? 0) + 1;
    if (phases && !phases.has(s.phase)) continue;
    total++;
    if (top) top.offer(s);
    else matched.push(s);
  }
  const page = (top ? top.rows : firstSorted(matched, offset + limit, cmp)).slice(offset);
  return { items: page, total, offset, limit, phaseCounts };
}

/**
 * The first `k` rows in `cmp` order. A page needs only the rows up to its end, so for a small page of a big fleet a
 * bounded insertion beats sorting every row (the tie-break makes the order total, so the result is the same).
 */
export function firstSorted<T>(rows: T[], k: number, cmp: (a: T, b: T) => number): T[] {
  if (k * 8 >= rows.length) return [...rows].sort(cmp).slice(0, k);
  const top = new TopK(k, cmp);
  for (const r of rows) top.offer(r);
  return top.rows;
}
