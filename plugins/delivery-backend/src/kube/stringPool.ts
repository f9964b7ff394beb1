/**
 * Shares equal strings between cached objects. Every string parsed from JSON is its own copy, so a namespace, a label
 * value or a phase repeated across thousands of objects costs thousands of copies, and a workload's name stands in
 * four labels of it. Small and bounded: when full it starts over, which only loses some sharing (a common string
 * comes back at once), never correctness, and never keeps many strings alive: a large pool would hold every unique
 * name and image, costing more than it saves.
 */
export class StringPool {
  private readonly seen = new Map<string, string>();
  private readonly lists = new Map<string, ReadonlyArray<string | undefined>>();
  constructor(private readonly max = 1000) {}

  intern<T extends string | undefined>(s: T): T {
    if (s === undefined) return s;
    const hit = this.seen.get(s);
    if (hit !== undefined) return hit as T;
    if (this.seen.size >= this.max) this.seen.clear();
    this.seen.set(s, s);
    return s;
  }

  /**
   * One shared, frozen array for equal lists of strings (container names: almost every workload has ['app'] or a
   * few such lists).
   */
  list(values: ReadonlyArray<string | undefined>): ReadonlyArray<string | undefined> {
    const key = values.join('\u0000');
    const hit = this.lists.get(key);
    if (hit) return hit;
    if (this.lists.size >= this.max) this.lists.clear();
    const shared = Object.freeze(values.map(v => this.intern(v)));
    this.lists.set(key, shared);
    return shared;
  }

  /**
   * The label map itself, its values shared (keys of parsed objects are shared by the engine already). Changed in
   * place: a map parsed from JSON is sized exactly, and a copy built key by key is not.
   */
  labels(labels: Record<string, string> | undefined): Record<string, string> | undefined {
    if (!labels) return undefined;
    for (const k of Object.keys(labels)) labels[k] = this.intern(labels[k]);
    return labels;
  }
}
