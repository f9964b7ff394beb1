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

  it('copies label maps with shared keys and values', () => {
    const pool = new StringPool();
    const labels = { app: fresh('podinfo'), 'app.kubernetes.io/name': fresh('podinfo') };
    const copy = pool.labels(labels)!;
    expect(copy).toEqual(labels);
    expect(copy).not.toBe(labels);
    expect(pool.labels(undefined)).toBeUndefined();
  });
});
