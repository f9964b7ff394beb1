import { CanarySummary } from '@delivery/plugin-delivery-common';
import { firstSorted, queryFleet } from './fleetQuery';

// A fixed pseudo-random sequence, so a failure reproduces.
function lcg(seed: number) {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const row = (i: number, rnd: () => number): CanarySummary =>
  ({
    cluster: `c${Math.floor(rnd() * 5)}`,
    namespace: `ns${Math.floor(rnd() * 3)}`,
    name: `svc-${Math.floor(rnd() * 200)}`,
    phase: ['Succeeded', 'Failed', 'Progressing'][i % 3],
    updatedAt: new Date(Math.floor(rnd() * 1e6)).toISOString(),
    needsAttention: i % 3 === 1,
  }) as CanarySummary;

describe('firstSorted', () => {
  it.each([
    [0, 10],
    [1, 1],
    [50, 1000],
    [500, 5000],
    [7, 3],
  ])('k=%p of %p numbers equals a full sort cut to k', (k, n) => {
    const rnd = lcg(n + k);
    const xs = Array.from({ length: n }, () => Math.floor(rnd() * 100));
    expect(firstSorted(xs, k, (a, b) => a - b)).toEqual([...xs].sort((a, b) => a - b).slice(0, k));
  });
});

describe('queryFleet paging over a big fleet', () => {
  const rnd = lcg(42);
  // Names repeat across clusters and namespaces (ties on the sort key), but each canary is listed once, as in a fleet.
  const unique = new Map(Array.from({ length: 6000 }, (_, i) => row(i, rnd)).map(r => [`${r.cluster}/${r.namespace}/${r.name}`, r]));
  const rows = [...unique.values()];
  const naive = (sort: 'name' | 'updated' | 'cluster', order: 'asc' | 'desc') => {
    const key = (s: CanarySummary) => ({ name: s.name, updated: s.updatedAt, cluster: s.cluster })[sort];
    const ord = (a: string, b: string) => (a < b ? -1 : Number(a > b));
    const all = [...rows].sort(
      (a, b) => ord(key(a), key(b)) || ord(a.cluster, b.cluster) || ord(a.namespace, b.namespace) || ord(a.name, b.name),
    );
    return order === 'desc' ? all.reverse() : all;
  };

  it.each([
    ['name', 'asc', 0],
    ['name', 'desc', 100],
    ['updated', 'desc', 0],
    ['cluster', 'asc', 250],
    // A page ending past the streamed bound is collected and sorted instead.
    ['name', 'asc', 3000],
  ] as const)('sort=%p order=%p offset=%p gives the same page as sorting everything', (sort, order, offset) => {
    const page = queryFleet(rows, { sort, order, offset, limit: 50 });
    expect(page.total).toBe(rows.length);
    expect(page.items).toEqual(naive(sort, order).slice(offset, offset + 50));
  });

  it('counts and pages only the visible rows, and searches the text it is given', () => {
    const visible = (s: CanarySummary) => s.cluster !== 'c0';
    const seen = rows.filter(visible);
    const page = queryFleet(rows, { limit: 50 }, { visible });
    expect(page.total).toBe(seen.length);
    expect(page.items).toEqual(naive('name', 'asc').filter(visible).slice(0, 50));
    const failed = seen.filter(s => s.phase === 'Failed').length;
    expect(page.phaseCounts.Failed).toBe(failed);
    const searched = queryFleet(rows, { search: 'MARKED' }, { searchText: s => (s.name === 'svc-7' ? 'marked' : '') });
    expect(searched.total).toBe(rows.filter(s => s.name === 'svc-7').length);
    expect(searched.total).toBeGreaterThan(0);
  });
});
