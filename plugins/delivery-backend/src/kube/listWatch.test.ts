import { mockServices } from '@backstage/backend-test-utils';
import { KubeHttpClient, KubeTransport } from './clusters';
import { ListWatch, ListWatchOptions, TimeSlice, WatchEvent } from './listWatch';
import { FakeApiServer } from './testing/fakeApiServer';
import { MemoryTransport, httpError } from './testing/memoryTransport';
import { KINDS, KubeObject } from './types';

// Generous bounds: the suite runs beside others on 2 cores; the assertions are about order and gaps, not speed.
jest.setTimeout(120_000);

const PATH = '/apis/flagger.app/v1beta1/canaries';

async function until(cond: () => boolean, what: string, timeoutMs = 40_000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

function cacheView(lw: ListWatch): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of lw.list()) out[`${o.metadata.namespace}/${o.metadata.name}`] = { rv: o.metadata.resourceVersion, spec: o.spec };
  return out;
}

/** Smallest gap between consecutive watch attempts (a relist and its watch form one attempt). */
function minGap(server: FakeApiServer): number {
  const starts = server.watchStarts;
  let gap = Infinity;
  for (let i = 1; i < starts.length; i++) gap = Math.min(gap, starts[i] - starts[i - 1]);
  return gap;
}

describe('ListWatch', () => {
  let server: FakeApiServer;
  let client: KubeHttpClient;
  let lw: ListWatch | undefined;

  async function startWatch(extra: Partial<ListWatchOptions> = {}) {
    lw = new ListWatch({
      transport: client,
      kind: KINDS.canary,
      logger: mockServices.logger.mock(),
      pageSize: 2,
      watchTimeoutSeconds: 30,
      random: () => 0,
      ...extra,
    });
    lw.start();
    await until(() => lw!.hasSynced, 'first sync');
    return lw;
  }

  beforeEach(async () => {
    server = new FakeApiServer(PATH);
    const url = await server.start();
    client = new KubeHttpClient({ cluster: { name: 'test', url, skipTLSVerify: false }, requestTimeoutMs: 2000 });
    for (let i = 0; i < 5; i++) server.upsert(`c${i}`, { n: i });
  });

  afterEach(async () => {
    await lw?.stop();
    lw = undefined;
    await server.close();
    client.close();
  });

  it('lists page by page, strips managedFields and follows the watch', async () => {
    const events: WatchEvent[] = [];
    const w = await startWatch();
    w.subscribe(e => events.push(e));
    expect(server.listStarts.length).toBe(3); // 5 objects, 2 per page
    expect(cacheView(w)).toEqual(server.snapshot());
    expect(w.get('default', 'c1')?.metadata).not.toHaveProperty('managedFields');
    expect(w.get('default', 'c1')?.kind).toBe('Canary');

    server.upsert('c1', { n: 100 });
    server.upsert('c9', { n: 9 });
    server.remove('c0');
    await until(() => events.length === 3, 'three events');
    expect(events.map(e => [e.type, e.object.metadata.name])).toEqual([
      ['update', 'c1'],
      ['add', 'c9'],
      ['delete', 'c0'],
    ]);
    expect(cacheView(w)).toEqual(server.snapshot());
    const q = server.watchQueries[0];
    expect(q.get('allowWatchBookmarks')).toBe('true');
    expect(q.get('timeoutSeconds')).toBe('30');
  });

  it('resumes from a bookmark without relisting', async () => {
    const w = await startWatch();
    await until(() => server.watchStarts.length === 1, 'watch');
    server.bookmark();
    await new Promise(r => setTimeout(r, 100));
    server.compact(); // anything older than the bookmark would now be 410
    server.dropWatches();
    await until(() => server.watchStarts.length === 2, 'second watch');
    server.upsert('c2', { n: 22 });
    await until(() => (w.get('default', 'c2')?.spec as { n: number }).n === 22, 'update after resume');
    expect(server.listStarts.length).toBe(3);
    expect(cacheView(w)).toEqual(server.snapshot());
  });

  it('relists on 410 Gone and ends equal to a fresh LIST, deletions included', async () => {
    const events: WatchEvent[] = [];
    const w = await startWatch({ minReconnectIntervalMs: 200 });
    w.subscribe(e => events.push(e));
    server.fault = 'close';
    server.dropWatches();
    server.remove('c3');
    server.upsert('c4', { n: 44 });
    server.compact();
    server.fault = 'none';
    await until(() => server.listStarts.length > 3, 'relist');
    await until(() => w.synced && !w.get('default', 'c3'), 'relist applied');
    expect(cacheView(w)).toEqual(server.snapshot());
    expect(events.filter(e => e.type === 'delete').map(e => e.object.metadata.name)).toEqual(['c3']);
  });

  it('restarts an expired continue token from the first page', async () => {
    server.expireNextContinue = true;
    const w = await startWatch();
    expect(server.listStarts.length).toBe(5); // page 1, expired page 2, then 3 pages
    expect(cacheView(w)).toEqual(server.snapshot());
  });

  it.each([
    ['closed watches', 'close' as const],
    ['HTTP 500 on watch', 'status500' as const],
    ['410 on every watch', 'gone' as const],
  ])('reconnects at most once per second under %s and converges', async (_name, fault) => {
    const w = await startWatch();
    server.fault = fault;
    server.dropWatches();
    const before = server.watchStarts.length;
    server.upsert('c1', { n: 11 });
    server.remove('c2');
    await until(() => server.watchStarts.length >= before + 3, 'three reconnects');
    // The server sees each attempt when it arrives, so a request delayed on a loaded machine shortens the gap it
    // measures (CI once saw 988 ms). Without the limit, attempts come milliseconds apart; half a second would mean a
    // limit of the wrong size. 750 ms tells those apart without depending on delivery jitter.
    expect(minGap(server)).toBeGreaterThanOrEqual(750);
    server.fault = 'none';
    await until(() => w.synced && !w.get('default', 'c2'), 'convergence');
    server.upsert('c7', { n: 7 });
    await until(() => Boolean(w.get('default', 'c7')), 'watch after recovery');
    expect(cacheView(w)).toEqual(server.snapshot());
  });

  it('treats a silent watch as hung and reconnects', async () => {
    const w = await startWatch({ watchTimeoutSeconds: 1, idleSlackMs: 300 });
    const syncStates: boolean[] = [];
    w.onSyncChange(() => syncStates.push(w.synced));
    server.fault = 'hang';
    server.dropWatches();
    const before = server.watchStarts.length;
    await until(() => server.watchStarts.length >= before + 2, 'reconnect after hang');
    expect(syncStates).toContain(false);
    server.fault = 'none';
    server.upsert('c0', { n: 1000 });
    await until(() => (w.get('default', 'c0')?.spec as { n: number }).n === 1000, 'recovery');
    expect(w.synced).toBe(true);
    expect(cacheView(w)).toEqual(server.snapshot());
  });

  it.each([
    [403, 'unauthorized'],
    [401, 'unauthorized'],
    [404, 'not-installed'],
    [500, 'error'],
  ])('classifies LIST status %d as %s', async (status, cls) => {
    server.listStatus = status;
    lw = new ListWatch({ transport: client, kind: KINDS.canary, logger: mockServices.logger.mock() });
    lw.start();
    await until(() => lw!.lastError !== undefined, 'an error');
    expect(lw.lastError?.class).toBe(cls);
    expect(lw.synced).toBe(false);
  });

  it('classifies a refused connection as unreachable', async () => {
    const dead = new KubeHttpClient({ cluster: { name: 'dead', url: 'http://127.0.0.1:1', skipTLSVerify: false } });
    lw = new ListWatch({ transport: dead, kind: KINDS.canary, logger: mockServices.logger.mock() });
    lw.start();
    await until(() => lw!.lastError !== undefined, 'an error');
    expect(lw.lastError?.class).toBe('unreachable');
    dead.close();
  });

  it('applies the projector to listed and watched objects', async () => {
    const projector = (o: KubeObject) => ({ ...o, spec: { projected: true } });
    const w = await startWatch({ projector });
    server.upsert('c8', { n: 8 });
    await until(() => Boolean(w.get('default', 'c8')), 'watched object');
    expect(w.list().every(o => (o.spec as { projected?: boolean }).projected)).toBe(true);
  });

  it('stores the compacted form, hands listeners the projected one, and compacts a version only once', async () => {
    let compactions = 0;
    const compactor = (o: KubeObject) => {
      compactions++;
      return { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, compact: true } as KubeObject;
    };
    const events: WatchEvent[] = [];
    lw = new ListWatch({ transport: client, kind: KINDS.canary, logger: mockServices.logger.mock(), pageSize: 2, compactor, random: () => 0 });
    lw.subscribe(e => events.push(e));
    lw.start();
    const w = lw;
    await until(() => w.hasSynced, 'first sync');
    expect(compactions).toBe(5);
    expect(w.get('default', 'c1')).toMatchObject({ compact: true });
    expect(w.get('default', 'c1')?.spec).toBeUndefined();
    expect(events.every(e => e.type === 'add' && e.projected?.spec !== undefined && e.object !== e.projected)).toBe(true);

    server.upsert('c1', { n: 10 });
    await until(() => events.length === 6, 'the update');
    expect(events[5]).toMatchObject({ type: 'update', projected: { spec: { n: 10 } }, object: { compact: true } });
    expect(compactions).toBe(6);

    // A relist after 410 lists every object again: only the changed one is compacted and announced.
    server.fault = 'close';
    server.dropWatches();
    server.upsert('c2', { n: 20 });
    server.compact();
    server.fault = 'none';
    await until(() => server.listStarts.length > 3, 'relist');
    await until(() => w.synced && events.length === 7, 'relisted');
    expect(events[6]).toMatchObject({ type: 'update', projected: { spec: { n: 20 } } });
    expect(compactions).toBe(7);
    expect(cacheView(w)).toEqual(
      Object.fromEntries(Object.entries(server.snapshot()).map(([k, v]) => [k, { ...(v as object), spec: undefined }])),
    );
  });
});

describe('ListWatch relist page by page', () => {
  /** A MemoryTransport whose LIST pages after the first wait for `next()`; `onContinue` runs before each. */
  function gatedTransport(mem: MemoryTransport, onContinue: () => void = () => {}) {
    let open: () => void = () => {};
    let gate = new Promise<void>(r => (open = r));
    const transport: KubeTransport = {
      cluster: mem.cluster,
      request: async req => {
        if (req.query?.continue) {
          await gate;
          onContinue();
        }
        return mem.request(req);
      },
      stream: req => mem.stream(req),
    };
    return {
      transport,
      next: () => {
        open();
        gate = new Promise<void>(r => (open = r));
      },
    };
  }
  const seed = (mem: MemoryTransport, n: number) => {
    for (let i = 0; i < n; i++) mem.put(KINDS.canary, { metadata: { name: `c${i}`, namespace: 'default' }, spec: { n: i } });
  };

  it('hands out the first page before the LIST is complete, and only then reports synced', async () => {
    const mem = new MemoryTransport('t');
    seed(mem, 5);
    const { transport, next } = gatedTransport(mem);
    const events: WatchEvent[] = [];
    const w = new ListWatch({ transport, kind: KINDS.canary, logger: mockServices.logger.mock(), pageSize: 2 });
    w.subscribe(e => events.push(e));
    w.start();
    await until(() => w.size === 2, 'first page applied');
    expect(w.hasSynced).toBe(false);
    expect(events.map(e => `${e.type} ${e.object.metadata.name}`)).toEqual(['add c0', 'add c1']);
    next();
    await until(() => w.size === 4, 'second page applied');
    next();
    await until(() => w.hasSynced, 'synced');
    expect(w.list().map(o => o.metadata.name).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    await w.stop();
  });

  it('deletes what a restarted LIST no longer has, even if the expired pass had listed it', async () => {
    const mem = new MemoryTransport('t');
    seed(mem, 5);
    let expired = false;
    const { transport, next } = gatedTransport(mem, () => {
      if (expired) return;
      expired = true;
      mem.remove(KINDS.canary, 'default', 'c0');
      throw httpError(410, 'continue token expired');
    });
    const events: WatchEvent[] = [];
    const w = new ListWatch({ transport, kind: KINDS.canary, logger: mockServices.logger.mock(), pageSize: 2 });
    w.subscribe(e => events.push(e));
    w.start();
    await until(() => w.size === 2, 'first page applied');
    next(); // expires; the LIST starts over without c0
    await until(() => expired, 'expired');
    for (let i = 0; i < 3 && !w.hasSynced; i++) {
      next();
      await new Promise(r => setTimeout(r, 20));
    }
    await until(() => w.hasSynced, 'synced');
    expect(w.list().map(o => o.metadata.name).sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(events.filter(e => e.type === 'delete').map(e => e.object.metadata.name)).toEqual(['c0']);
    await w.stop();
  });
});

describe('TimeSlice', () => {
  it('is due once the budget is spent, reading the clock every 16th call', () => {
    let now = 0;
    let reads = 0;
    const slice = new TimeSlice(8, () => {
      reads++;
      return now;
    });
    slice.start();
    now = 7;
    expect(Array.from({ length: 16 }, () => slice.due())).not.toContain(true);
    now = 8;
    const calls = Array.from({ length: 16 }, () => slice.due());
    expect(calls.indexOf(true)).toBe(15);
    expect(reads).toBe(3); // start, and two checks in 32 calls
  });
});
