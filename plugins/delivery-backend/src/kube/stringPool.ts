/**
 * Shares equal strings between cached objects. Every string parsed from JSON is its own copy, so a namespace, a label
 * value or a phase repeated across thousands of objects costs thousands of copies, and a workload's name stands in
 * four labels of it. Small and bounded: when full it starts over, which only loses some sharing (a common string
 * comes back at once), never correctness, and never keeps many strings alive: a large pool would hold every unique
 * name and image, costing more than it saves.
 */
export class StringPool {
  private readonly seen = new Map<string, string>();
  constructor(private readonly max = 1000) {}

  intern<T extends string | undefined>(s: T): T {
    if (s === undefined) return s;
    const hit = this.seen.get(s);
    if (hit !== undefined) return hit as T;
    if (this.seen.size >= this.max) this.seen.clear();
    this.seen.set(s, s);
    return s;
  }

  /** A copy of a label map whose keys and values are shared. */
  labels(labels: Record<string, string> | undefined): Record<string, string> | undefined {
    if (!labels) return undefined;
    const out: Record<string, string> = {};
    for (const k of Object.keys(labels)) out[this.intern(k)] = this.intern(labels[k]);
    return out;
  }
}
