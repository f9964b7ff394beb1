import { RateLimiter } from './rateLimiter';

describe('RateLimiter', () => {
  it('allows a burst, refuses the next, and refills with time per key', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3, now: () => now });
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
    expect(limiter.take('b')).toBe(true);
    expect(limiter.available('a')).toBe(false);
    now = 500;
    expect(limiter.available('a')).toBe(true);
    expect([limiter.take('a'), limiter.take('a')]).toEqual([true, false]);
  });

  it('forgets the least recently seen key beyond maxKeys, which then starts with a full bucket', () => {
    const limiter = new RateLimiter({ perSecond: 0, burst: 1, now: () => 0, maxKeys: 2 });
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('b')).toBe(true);
    expect(limiter.take('c')).toBe(true);
    expect(limiter.take('b')).toBe(false);
    expect(limiter.take('a')).toBe(true);
  });
});
