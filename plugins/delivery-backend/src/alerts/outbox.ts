import type { LoggerService } from '@backstage/backend-plugin-api';

/**
 * Fire-and-forget delivery that keeps order: tasks of one key (one canary's alerts, or its events) run one after
 * another, different keys run independently, and the tick that enqueued them never waits. A key whose receiver is
 * slower than the canary produces news drops new tasks past `maxPending` instead of growing without bound.
 */

export interface OutboxOptions {
  logger: LoggerService;
  /** Tasks waiting or running per key before new ones are dropped. Default 100. */
  maxPending?: number;
}

interface Lane {
  tail: Promise<void>;
  pending: number;
  dropped: number;
}

export class Outbox {
  private readonly lanes = new Map<string, Lane>();
  private readonly maxPending: number;

  constructor(private readonly o: OutboxOptions) {
    this.maxPending = o.maxPending ?? 100;
  }

  /** Queues `task` behind the earlier tasks of `key`; false when the lane is full and the task was dropped. */
  enqueue(key: string, what: string, task: () => Promise<unknown>): boolean {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { tail: Promise.resolve(), pending: 0, dropped: 0 };
      this.lanes.set(key, lane);
    }
    if (lane.pending >= this.maxPending) {
      if (lane.dropped++ === 0) {
        this.o.logger.warn(`${key}: ${this.maxPending} notifications still pending; dropping ${what} and later ones`);
      }
      return false;
    }
    lane.pending++;
    const current = lane;
    current.tail = current.tail
      .then(task)
      .catch(e => this.o.logger.error(`${key}: ${what} failed: ${(e as Error).message}`))
      .then(() => {
        current.pending--;
        if (current.pending === 0) {
          if (current.dropped) this.o.logger.warn(`${key}: ${current.dropped} notifications were dropped`);
          if (this.lanes.get(key) === current) this.lanes.delete(key);
        }
      });
    return true;
  }

  /** Resolves once every queued task has finished (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.lanes.size) await Promise.all([...this.lanes.values()].map(l => l.tail));
  }
}
