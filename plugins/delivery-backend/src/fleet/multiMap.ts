/**
 * A map from a key to a few strings, for the fleet's per-row indices (target → canaries, kubernetes-id → rows).
 * Almost every key has exactly one value, so one value is stored as the string itself: an array per key cost
 * about 56 bytes at each of 100k rows, more than the entry and its key.
 */
export class StringMultiMap {
  private readonly map = new Map<string, string | string[]>();

  get(key: string): readonly string[] {
    const v = this.map.get(key);
    if (v === undefined) return [];
    return typeof v === 'string' ? [v] : v;
  }

  /** Adds `value` under `key` unless it is there already. */
  add(key: string, value: string): void {
    const v = this.map.get(key);
    if (v === undefined) this.map.set(key, value);
    else if (typeof v === 'string') {
      if (v !== value) this.map.set(key, [v, value]);
    } else if (!v.includes(value)) v.push(value);
  }

  remove(key: string, value: string): void {
    const v = this.map.get(key);
    if (v === undefined) return;
    if (typeof v === 'string') {
      if (v === value) this.map.delete(key);
      return;
    }
    const rest = v.filter(x => x !== value);
    if (rest.length === 0) this.map.delete(key);
    else this.map.set(key, rest.length === 1 ? rest[0] : rest);
  }

  get size(): number {
    return this.map.size;
  }
}
