import { CANARY_PHASES, CanaryPhase, FleetQuery } from '@delivery/plugin-delivery-common';

export const PAGE_SIZES = [25, 50, 100];
const SORTS: Array<NonNullable<FleetQuery['sort']>> = ['name', 'cluster', 'namespace', 'phase', 'updated'];

/**
 * The fleet page keeps its query in the URL, so a filtered view ("needs attention in prod-eu") can be shared and
 * survives a reload. Unknown or malformed parameters are dropped rather than sent to the backend.
 */
export function queryFromParams(params: URLSearchParams): FleetQuery {
  const sort = params.get('sort') as FleetQuery['sort'];
  const limit = Number(params.get('limit'));
  const offset = Number(params.get('offset'));
  return {
    cluster: params.getAll('cluster').filter(Boolean),
    namespace: params.getAll('namespace').filter(Boolean),
    phase: params.getAll('phase').filter((p): p is CanaryPhase => CANARY_PHASES.includes(p as CanaryPhase)),
    needsAttention: params.get('needsAttention') === 'true' || undefined,
    search: params.get('search') || undefined,
    sort: sort && SORTS.includes(sort) ? sort : 'name',
    order: params.get('order') === 'desc' ? 'desc' : 'asc',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
    limit: PAGE_SIZES.includes(limit) ? limit : PAGE_SIZES[0],
  };
}

export function paramsFromQuery(query: FleetQuery): URLSearchParams {
  const params = new URLSearchParams();
  query.cluster?.forEach(c => params.append('cluster', c));
  query.namespace?.forEach(n => params.append('namespace', n));
  query.phase?.forEach(p => params.append('phase', p));
  if (query.needsAttention) params.set('needsAttention', 'true');
  if (query.search) params.set('search', query.search);
  if (query.sort && query.sort !== 'name') params.set('sort', query.sort);
  if (query.order === 'desc') params.set('order', 'desc');
  if (query.offset) params.set('offset', String(query.offset));
  if (query.limit && query.limit !== PAGE_SIZES[0]) params.set('limit', String(query.limit));
  return params;
}

/** Any change of filter sends the user back to the first page; paging and sorting keep the filters. */
export function withFilter(query: FleetQuery, change: Partial<FleetQuery>): FleetQuery {
  return { ...query, ...change, offset: 0 };
}

export function toggle<T>(list: T[] | undefined, item: T): T[] {
  const current = list ?? [];
  return current.includes(item) ? current.filter(x => x !== item) : [...current, item];
}
