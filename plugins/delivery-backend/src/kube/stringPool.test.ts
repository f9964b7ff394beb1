import { StringPool } from './stringPool';

// Fresh strings, as JSON.parse makes them: equal content, separate copies.
const fresh = (s: string) => JSON.parse(JSON.stringify(s)) as string;

describe('StringPool', () => {
  it('hands back the first copy of an equal string', () => {
    const pool = new StringPool();
    const first = pool.intern(fresh('team-a'));
    expect(pool.intern(fresh('team-a'))).toBe(first);
    expect(pool.intern(undefined)).toBeUndefined();
  });

  it('starts over when full, and still returns equal strings', () => {
    const pool = new StringPool(2);
    pool.intern('a');
    pool.intern('b');
    pool.intern('c'); // clears, then holds c
    expect(pool.intern(fresh('a'))).toBe('a');
    expect(pool.intern(fresh('c'))).toBe('c');
  });

  it('shares the values of a label map in place, so no copy of it is kept', () => {
    const pool = new StringPool();
    const first = pool.intern(fresh('podinfo'));
    const labels = { app: fresh('podinfo'), 'app.kubernetes.io/name': fresh('podinfo') };
    const shared = pool.labels(labels)!;
    expect(shared).toBe(labels);
    expect(shared).toEqual({ app: 'podinfo', 'app.kubernetes.io/name': 'podinfo' });
    expect(shared.app).toBe(first);
    expect(shared['app.kubernetes.io/name']).toBe(first);
    expect(pool.labels(undefined)).toBeUndefined();
  });

  it('shares one frozen array for equal lists', () => {
    const pool = new StringPool();
    const a = pool.list([fresh('app'), fresh('sidecar')]);
    expect(pool.list([fresh('app'), fresh('sidecar')])).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(pool.list(['app'])).not.toBe(a);
  });
});
