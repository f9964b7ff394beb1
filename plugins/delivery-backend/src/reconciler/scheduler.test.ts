import { TickScheduler, type RunResult, type ScheduledRun, type SchedulerClock } from './scheduler';

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/** A manual clock: timers fire only when the test advances time. */
class FakeClock implements SchedulerClock {
  t = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private ids = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.ids;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers.delete(h as number);
  };
  get pendingTimers() {
    return this.timers.size;
  }
  async advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > end) break;
      this.t = next[1].at;
      this.timers.delete(next[0]);
      next[1].fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}


function harness(workers: number, answer: (job: ScheduledRun) => RunResult = () => undefined) {
  const clock = new FakeClock();
  const runs: Array<ScheduledRun & { at: number }> = [];
  const gates = new Map<string, () => void>();
  let hold = false;
  let concurrent = 0;
  let maxConcurrent = 0;
  const scheduler = new TickScheduler({
    workers,
    clock,
    run: async job => {
      runs.push({ ...job, at: clock.now() });
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      if (hold) await new Promise<void>(r => gates.set(job.key, r));
      concurrent--;
      return answer(job);
    },
  });
  return {
    clock,
    runs,
    scheduler,
    hold: (v: boolean) => {
      hold = v;
    },
    release: async (key: string) => {
      gates.get(key)?.();
      gates.delete(key);
      await flush();
    },
    maxConcurrent: () => maxConcurrent,
  };
}

describe('TickScheduler', () => {
  it('runs keys at their due times from one timer, re-queuing each at the time its run asks for', async () => {
    const h = harness(4, job => ({ next: job.due + (job.key === 'a' ? 1000 : 3000) }));
    h.scheduler.schedule('a', 1000);
    h.scheduler.schedule('b', 2000);
    expect(h.clock.pendingTimers).toBe(1);
    await h.clock.advance(7000);
    expect(h.runs.map(r => `${r.key}@${r.at}`)).toEqual([
      'a@1000',
      'b@2000', // queued before a's second run: same due time, first in first out
      'a@2000',
      'a@3000',
      'a@4000',
      'b@5000',
      'a@5000',
      'a@6000',
      'a@7000',
    ]);
    expect(h.clock.pendingTimers).toBe(1);
  });

  it('de-duplicates a key: the earlier due time wins and one run happens', async () => {
    const h = harness(2);
    h.scheduler.schedule('a', 5000);
    h.scheduler.schedule('a', 1000, 'event');
    h.scheduler.schedule('a', 3000);
    await h.clock.advance(6000);
    expect(h.runs.map(r => `${r.key}@${r.at}:${r.reason}`)).toEqual(['a@1000:event']);
  });

  it('never runs more keys at once than it has workers, and never one key twice at once', async () => {
    const h = harness(2);
    h.hold(true);
    for (const k of ['a', 'b', 'c', 'd']) h.scheduler.schedule(k, 0);
    await flush();
    expect(h.runs.map(r => r.key)).toEqual(['a', 'b']);
    h.scheduler.schedule('a', 0, 'event'); // due while running: queued behind its own run
    await flush();
    expect(h.runs).toHaveLength(2);
    await h.release('a');
    expect(h.runs.map(r => r.key)).toEqual(['a', 'b', 'c']);
    await h.release('b');
    await h.release('c');
    await h.release('d');
    await h.release('a');
    expect(h.runs.map(r => `${r.key}:${r.reason}`)).toEqual([
      'a:interval',
      'b:interval',
      'c:interval',
      'd:interval',
      'a:event',
    ]);
    expect(h.maxConcurrent()).toBe(2);
  });

  it('forgets removed keys, also when their run is in progress', async () => {
    const h = harness(1, job => ({ next: job.due + 1000 }));
    h.scheduler.schedule('gone', 500);
    h.scheduler.schedule('kept', 500);
    h.scheduler.remove('gone');
    await h.clock.advance(2500);
    expect(h.runs.map(r => r.key)).toEqual(['kept', 'kept', 'kept']);

    h.hold(true);
    h.scheduler.schedule('busy', h.clock.now());
    await h.clock.advance(1000);
    h.scheduler.remove('busy');
    await h.release('busy');
    await h.release('kept');
    h.hold(false);
    await h.clock.advance(3000);
    expect(h.runs.filter(r => r.key === 'busy')).toHaveLength(1);
    expect(h.scheduler.has('busy')).toBe(false);
  });

  it('reports lateness when workers are saturated', async () => {
    const clock = new FakeClock();
    const late: number[] = [];
    let release: () => void = () => undefined;
    const scheduler = new TickScheduler({
      workers: 1,
      clock,
      run: () => new Promise<RunResult>(r => (release = () => r(undefined))),
      onStart: (_job, ms) => late.push(ms),
    });
    scheduler.schedule('a', 0);
    scheduler.schedule('b', 0);
    await flush();
    clock.t = 700;
    release();
    await flush();
    expect(late).toEqual([0, 700]);
    release();
    await scheduler.stop();
  });

  it('aborts runs in progress on stop and schedules nothing afterwards', async () => {
    const clock = new FakeClock();
    let aborted = false;
    const scheduler = new TickScheduler({
      workers: 1,
      clock,
      run: (_job, signal) =>
        new Promise<RunResult>(resolve =>
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ next: 0 });
          }),
        ),
    });
    scheduler.schedule('a', 0);
    await flush();
    await scheduler.stop();
    expect(aborted).toBe(true);
    scheduler.schedule('b', 0);
    expect(scheduler.size).toBe(0);
  });
});
