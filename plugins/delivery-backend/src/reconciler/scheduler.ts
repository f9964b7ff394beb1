/**
 * One due-time queue for every canary of a cluster, feeding a bounded pool of workers. Watch handlers and finished
 * ticks only call `schedule`; nothing keeps a timer per canary. A key is never run twice at once: a key that comes
 * due while its previous run is still going is run again right after it ends.
 */

/** Time source and timers; injected so tests drive the queue without waiting. */
export interface SchedulerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: handle => clearTimeout(handle as NodeJS.Timeout),
};

/** Why a run was queued: `resume` runs get the decide core's restart rule (no early step). */
export type RunReason = 'interval' | 'resume' | 'event';

export interface ScheduledRun {
  key: string;
  reason: RunReason;
  /** When the run was due; `now - due` is its lateness. */
  due: number;
}

/** What the run asks for next: a due time, or nothing when the key is gone. */
export type RunResult = { next: number; reason?: RunReason } | undefined;

export interface TickSchedulerOptions {
  workers: number;
  clock?: SchedulerClock;
  run: (job: ScheduledRun, signal: AbortSignal) => Promise<RunResult>;
  /** Called for every run with how late it started (ms); benchmarks and metrics read it. */
  onStart?: (job: ScheduledRun, latenessMs: number) => void;
  onError?: (key: string, error: unknown) => void;
}

interface Entry {
  key: string;
  due: number;
  reason: RunReason;
  seq: number;
}

/** Binary min-heap by (due, seq); stale entries are skipped lazily on pop. */
class DueHeap {
  private readonly items: Entry[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Entry | undefined {
    return this.items[0];
  }

  push(e: Entry): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): Entry | undefined {
    const a = this.items;
    if (!a.length) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l], a[m])) m = l;
        if (r < a.length && less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

export class TickScheduler {
  private readonly o: TickSchedulerOptions;
  private readonly clock: SchedulerClock;
  private readonly heap = new DueHeap();
  /** The live entry per key; heap entries not identical to it are stale. */
  private readonly pending = new Map<string, Entry>();
  private readonly running = new Map<string, Promise<void>>();
  /** Keys that came due while running: re-queued when their run ends. */
  private readonly rerun = new Map<string, Entry>();
  /** Keys removed while running: their run must not reschedule them. */
  private readonly removed = new Set<string>();
  private seq = 0;
  private timer: unknown;
  private timerDue = Infinity;
  private stopper = new AbortController();
  private stopped = false;

  constructor(options: TickSchedulerOptions) {
    if (!(options.workers >= 1)) throw new Error(`workers must be at least 1, got ${options.workers}`);
    this.o = options;
    this.clock = options.clock ?? systemClock;
  }

  /** Keys waiting or running. */
  get size(): number {
    return new Set([...this.pending.keys(), ...this.running.keys()]).size;
  }

  get active(): number {
    return this.running.size;
  }

  has(key: string): boolean {
    return this.pending.has(key) || this.running.has(key);
  }

  /**
   * Queues `key` at `due` (default now). An earlier due time wins over a later one; `event` and `resume` reasons
   * survive a merge so an early run keeps the restart rule.
   */
  schedule(key: string, due = this.clock.now(), reason: RunReason = 'interval'): void {
    if (this.stopped) return;
    this.removed.delete(key);
    const existing = this.pending.get(key) ?? this.rerun.get(key);
    if (existing && existing.due <= due) {
      if (reason !== 'interval') existing.reason = reason;
      return;
    }
    const entry: Entry = {
      key,
      due,
      reason: existing && existing.reason !== 'interval' ? existing.reason : reason,
      seq: ++this.seq,
    };
    if (this.running.has(key)) {
      this.rerun.set(key, entry);
      return;
    }
    this.pending.set(key, entry);
    this.heap.push(entry);
    this.pump();
  }

  /** Forgets a key (deleted canary); a run in progress finishes but is not rescheduled. */
  remove(key: string): void {
    this.pending.delete(key);
    this.rerun.delete(key);
    if (this.running.has(key)) this.removed.add(key);
  }

  /** Aborts runs in progress, drops the queue and waits for the runs to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopper.abort(new Error('scheduler stopped'));
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    this.rerun.clear();
    this.heap.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  private pump(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    while (this.running.size < this.o.workers) {
      const top = this.heap.peek();
      if (!top) break;
      if (this.pending.get(top.key) !== top) {
        this.heap.pop(); // stale
        continue;
      }
      if (top.due > now) break;
      this.heap.pop();
      this.pending.delete(top.key);
      this.start(top, now);
    }
    this.arm();
  }

  private arm(): void {
    let top = this.heap.peek();
    while (top && this.pending.get(top.key) !== top) {
      this.heap.pop();
      top = this.heap.peek();
    }
    // With every worker busy the next run starts when one frees up, not on a timer.
    const due = top && this.running.size < this.o.workers ? top.due : Infinity;
    if (due === this.timerDue) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = due;
    if (due === Infinity) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Infinity;
      this.pump();
    }, Math.max(0, due - this.clock.now()));
  }

  private start(entry: Entry, now: number): void {
    const job: ScheduledRun = { key: entry.key, reason: entry.reason, due: entry.due };
    this.o.onStart?.(job, Math.max(0, now - entry.due));
    const p = (async () => {
      let result: RunResult;
      try {
        result = await this.o.run(job, this.stopper.signal);
      } catch (e) {
        this.o.onError?.(entry.key, e);
        result = undefined;
      }
      this.running.delete(entry.key);
      const again = this.rerun.get(entry.key);
      this.rerun.delete(entry.key);
      if (!this.stopped && !this.removed.has(entry.key)) {
        if (result) this.schedule(entry.key, result.next, result.reason ?? 'interval');
        if (again) this.schedule(entry.key, again.due, again.reason);
      }
      this.removed.delete(entry.key);
      this.pump();
    })();
    this.running.set(entry.key, p);
  }
}
