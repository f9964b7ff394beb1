/**
 * Token buckets keyed by caller: `burst` requests at once, refilled at `perSecond`. Pure apart from the injected
 * clock; the number of keys is capped so a flood of distinct callers cannot grow memory without bound.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(
    private readonly options: { perSecond: number; burst: number; now?: () => number; maxKeys?: number },
  ) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** True when `key` has a token left, without taking it. */
  available(key: string): boolean {
    return this.refilled(key, this.now()) >= 1;
  }

  /** Takes one token for `key`; false when the caller is over its rate. */
  take(key: string): boolean {
    const now = this.now();
    const refilled = this.refilled(key, now);
    const allowed = refilled >= 1;
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: allowed ? refilled - 1 : refilled, at: now });
    if (this.buckets.size > this.maxKeys) {
      // Maps iterate in insertion order and every take re-inserts its key: the first key is the least recent.
      this.buckets.delete(this.buckets.keys().next().value!);
    }
    return allowed;
  }

  private refilled(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.options.burst;
    return Math.min(this.options.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.options.perSecond);
  }
}
