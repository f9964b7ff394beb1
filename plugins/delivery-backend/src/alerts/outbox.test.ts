import { mockServices } from '@backstage/backend-test-utils';
import { Outbox } from './outbox';

/** A task that finishes only when released, recording when it started. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>(r => (release = r));
  return {
    task: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
    },
    release: () => release(),
  };
}

describe('Outbox', () => {
  it('runs the tasks of one key one after another and other keys independently', async () => {
    const log: string[] = [];
    const outbox = new Outbox({ logger: mockServices.logger.mock() });
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const b1 = gate(log, 'b1');
    outbox.enqueue('a', 'a1', a1.task);
    outbox.enqueue('a', 'a2', a2.task);
    outbox.enqueue('b', 'b1', b1.task);
    await new Promise(r => setImmediate(r));
    expect(log).toEqual(['start a1', 'start b1']);
    a2.release();
    b1.release();
    await new Promise(r => setImmediate(r));
    expect(log).toEqual(['start a1', 'start b1', 'end b1']);
    a1.release();
    await outbox.idle();
    expect(log).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
  });

  it('drops tasks past maxPending per key, warns once, and accepts again once the lane drains', async () => {
    const logger = mockServices.logger.mock();
    const outbox = new Outbox({ logger, maxPending: 2 });
    const log: string[] = [];
    const first = gate(log, '1');
    expect(outbox.enqueue('k', '1', first.task)).toBe(true);
    expect(outbox.enqueue('k', '2', async () => log.push('2'))).toBe(true);
    expect(outbox.enqueue('k', '3', async () => log.push('3'))).toBe(false);
    expect(outbox.enqueue('k', '4', async () => log.push('4'))).toBe(false);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    first.release();
    await outbox.idle();
    expect(log).toEqual(['start 1', 'end 1', '2']);
    expect(logger.warn).toHaveBeenLastCalledWith('k: 2 notifications were dropped');
    expect(outbox.enqueue('k', '5', async () => log.push('5'))).toBe(true);
    await outbox.idle();
    expect(log).toEqual(['start 1', 'end 1', '2', '5']);
  });

  it('a failing task is logged and does not stop the lane', async () => {
    const logger = mockServices.logger.mock();
    const outbox = new Outbox({ logger });
    const log: string[] = [];
    outbox.enqueue('k', 'boom', async () => {
      throw new Error('nope');
    });
    outbox.enqueue('k', 'next', async () => log.push('next'));
    await outbox.idle();
    expect(log).toEqual(['next']);
    expect(logger.error).toHaveBeenCalledWith('k: boom failed: nope');
  });
});
