import { mockServices } from '@backstage/backend-test-utils';
import type { KubeRequest, KubeTransport } from './clusters';
import { LeaderElector } from './lease';
import { httpError } from './testing/memoryTransport';
import { KubeObject } from './types';

type Lease = KubeObject & {
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
};

/** One Lease held in memory with resourceVersion checks, as the API server keeps it. */
class LeaseServer implements KubeTransport {
  readonly cluster = 'test';
  lease: Lease | undefined;
  failing = false;
  writes: Lease[] = [];
  reads = 0;
  /** Runs before each read: lets a test play another replica. */
  beforeRead: () => void = () => {};
  private rv = 1;

  async request<T>(req: KubeRequest): Promise<T> {
    if (this.failing) throw httpError(500, 'etcdserver: request timed out');
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      this.reads++;
      this.beforeRead();
      if (!this.lease) throw httpError(404);
      return structuredClone(this.lease) as T;
    }
    const body = req.body as Lease;
    if (method === 'POST' && this.lease) throw httpError(409);
    if (method === 'PUT' && body.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw httpError(409);
    this.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.rv) } };
    this.writes.push(structuredClone(this.lease));
    return structuredClone(this.lease) as T;
  }

  async stream(): Promise<void> {
    throw new Error('not used');
  }

  /** Another replica's lease, as it last wrote it. */
  holdBy(identity: string, renewTime: string) {
    this.lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'delivery', namespace: 'ops', resourceVersion: String(++this.rv) },
      spec: { holderIdentity: identity, leaseDurationSeconds: 15, acquireTime: renewTime, renewTime, leaseTransitions: 2 },
    };
  }
}

// The elector runs its loop on real timers (1 ms apart); time as the lease sees it is the injected clock only.
async function until(cond: () => boolean, what: string) {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 2));
  }
}

describe('LeaderElector', () => {
  let clock = Date.parse('2026-01-01T10:00:00.000Z');
  let server: LeaseServer;
  let elector: LeaderElector | undefined;

  beforeEach(() => {
    clock = Date.parse('2026-01-01T10:00:00.000Z');
    server = new LeaseServer();
  });
  afterEach(async () => {
    await elector?.stop();
    elector = undefined;
  });

  function start(identity = 'replica-a') {
    elector = new LeaderElector({
      transport: server,
      namespace: 'ops',
      name: 'delivery',
      identity,
      logger: mockServices.logger.mock(),
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 1,
      now: () => clock,
    });
    const changes: boolean[] = [];
    elector.onChange(l => changes.push(l));
    elector.start();
    return { elector, changes };
  }

  /** Lets the loop make at least `n` more reads of the lease. */
  async function reads(n: number) {
    const target = server.reads + n;
    await until(() => server.reads >= target, `${n} more reads`);
  }

  it('creates a missing lease and leads, with MicroTime timestamps', async () => {
    const { elector: e, changes } = start();
    await until(() => e.isLeader(), 'leadership');
    expect(changes).toEqual([true]);
    expect(server.writes[0].spec).toEqual({
      holderIdentity: 'replica-a',
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-01T10:00:00.000000Z',
      renewTime: '2026-01-01T10:00:00.000000Z',
      leaseTransitions: 0,
    });
  });

  it('renews its own lease: renewTime follows the clock, acquireTime and transitions stay', async () => {
    const { elector: e } = start();
    await until(() => e.isLeader(), 'leadership');
    clock += 4_000;
    await until(() => server.lease?.spec.renewTime === '2026-01-01T10:00:04.000000Z', 'a renewal');
    expect(server.lease?.spec).toMatchObject({ acquireTime: '2026-01-01T10:00:00.000000Z', leaseTransitions: 0 });
    expect(e.isLeader()).toBe(true);
  });

  it('leaves a lease alone while its holder keeps renewing it, however old its times look', async () => {
    server.holdBy('replica-b', '2025-12-31T00:00:00.000000Z');
    let beat = 0;
    server.beforeRead = () => {
      server.lease!.spec.renewTime = `2025-12-31T00:00:${String(++beat % 60).padStart(2, '0')}.000000Z`;
    };
    const { elector: e } = start();
    for (let i = 0; i < 5; i++) {
      clock += 10_000;
      await reads(2);
    }
    expect(e.isLeader()).toBe(false);
    expect(server.writes).toEqual([]);
  });

  it('takes over a lease that did not change for its duration by our own clock, counting a transition', async () => {
    // A holder whose clock runs an hour ahead: its renewTime is in our future, and must not keep the lease alive.
    server.holdBy('replica-b', '2026-01-01T11:00:00.000000Z');
    const { elector: e, changes } = start();
    await reads(1); // first seen at 10:00:00
    clock += 14_999;
    await reads(2);
    expect(server.writes).toEqual([]);
    clock += 1;
    await until(() => e.isLeader(), 'takeover');
    expect(changes).toEqual([true]);
    expect(server.writes[0].spec).toEqual({
      holderIdentity: 'replica-a',
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-01T10:00:15.000000Z',
      renewTime: '2026-01-01T10:00:15.000000Z',
      leaseTransitions: 3,
    });
  });

  it('stops leading once renewals fail for the renew deadline, before the lease expires for others', async () => {
    const { elector: e, changes } = start();
    await until(() => e.isLeader(), 'leadership');
    const term = e.signal;
    server.failing = true;
    clock += 9_999;
    await new Promise(r => setTimeout(r, 10)); // failed attempts in between change nothing yet
    expect(e.isLeader()).toBe(true);
    clock += 1;
    expect(e.isLeader()).toBe(false);
    expect(term.aborted).toBe(true);
    expect(changes).toEqual([true, false]);
  });

  it('does not lead when another replica wins the race for an expired lease', async () => {
    server.holdBy('replica-b', '2026-01-01T10:00:00.000000Z');
    const { elector: e } = start();
    await reads(1);
    // replica-c writes between our read and our write: our PUT carries a stale resourceVersion.
    server.beforeRead = () => {
      server.beforeRead = () => {};
      queueMicrotask(() => server.holdBy('replica-c', '2026-01-01T10:00:15.000000Z'));
    };
    clock += 15_000;
    await reads(2);
    expect(e.isLeader()).toBe(false);
    expect(server.lease?.spec.holderIdentity).toBe('replica-c');
  });

  it('refuses a renew deadline that is not shorter than the lease', () => {
    expect(
      () =>
        new LeaderElector({
          transport: server,
          namespace: 'ops',
          name: 'delivery',
          identity: 'a',
          logger: mockServices.logger.mock(),
          leaseDurationMs: 10_000,
          renewDeadlineMs: 10_000,
        }),
    ).toThrow('renewDeadlineMs must be shorter than leaseDurationMs');
  });
});
