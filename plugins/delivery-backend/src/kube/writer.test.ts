import type { KubeRequest, KubeTransport } from './clusters';
import { httpError } from './testing/memoryTransport';
import { KINDS, KubeConflictError, KubeObject } from './types';
import { KubeObjectWriter } from './writer';

/** A transport that answers from a script and records every request as `METHOD path`. */
class ScriptedTransport implements KubeTransport {
  readonly cluster = 'test';
  readonly log: string[] = [];
  constructor(private readonly answer: (req: KubeRequest & { method: string }) => unknown) {}
  async request<T>(req: KubeRequest): Promise<T> {
    const method = req.method ?? 'GET';
    this.log.push(`${method} ${req.path}`);
    return this.answer({ ...req, method }) as T;
  }
  async stream(): Promise<void> {
    throw new Error('not used');
  }
}

const canary = (rv: string): KubeObject => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'app', namespace: 'shop', uid: 'u1', resourceVersion: rv },
  status: { phase: 'Progressing', iterations: 1 },
});
const CANARY = '/apis/flagger.app/v1beta1/namespaces/shop/canaries/app';

describe('KubeObjectWriter.updateStatus', () => {
  it('writes against a cached copy without reading it first', async () => {
    const t = new ScriptedTransport(req => ({ ...(req.body as KubeObject), metadata: { ...canary('8').metadata } }));
    const written = await new KubeObjectWriter({ transport: t }).updateStatus(
      KINDS.canary,
      'shop',
      'app',
      c => ({ ...(c.status as object), iterations: 2 }),
      { cached: canary('7') },
    );
    expect(t.log).toEqual([`PUT ${CANARY}/status`]);
    expect(written?.status).toEqual({ phase: 'Progressing', iterations: 2 });
  });

  it('reads the live object after a conflict on the cached copy', async () => {
    const bodies: KubeObject[] = [];
    const t = new ScriptedTransport(req => {
      if (req.method === 'PUT') {
        const body = req.body as KubeObject;
        bodies.push(body);
        if (body.metadata.resourceVersion === '7') throw httpError(409);
        return body;
      }
      return canary('9');
    });
    await new KubeObjectWriter({ transport: t, random: () => 0 }).updateStatus(
      KINDS.canary,
      'shop',
      'app',
      () => ({ phase: 'Succeeded' }),
      { cached: canary('7') },
    );
    expect(t.log).toEqual([`PUT ${CANARY}/status`, `GET ${CANARY}`, `PUT ${CANARY}/status`]);
    expect(bodies.map(b => b.metadata.resourceVersion)).toEqual(['7', '9']);
  });

  it('treats an object deleted since it was cached as absent', async () => {
    const t = new ScriptedTransport(() => {
      throw httpError(404);
    });
    const written = await new KubeObjectWriter({ transport: t }).updateStatus(KINDS.canary, 'shop', 'app', () => ({}), {
      cached: canary('7'),
    });
    expect(written).toBeUndefined();
  });
});

describe('KubeObjectWriter.recordEvent', () => {
  const EVENTS = '/api/v1/namespaces/shop/events';
  const event = { type: 'Normal' as const, message: 'Advance app.shop canary iteration 2/10' };

  it('creates a new event with one request and counts a repeat up with one patch', async () => {
    const patches: unknown[] = [];
    const t = new ScriptedTransport(req => {
      if (req.method === 'PATCH') patches.push(req.body);
      return {};
    });
    const writer = new KubeObjectWriter({ transport: t, now: () => new Date('2026-01-01T00:00:00Z') });
    await writer.recordEvent(canary('7'), event);
    expect(t.log).toEqual([`POST ${EVENTS}`]);
    t.log.length = 0;
    await writer.recordEvent(canary('7'), event);
    await writer.recordEvent(canary('7'), event);
    expect(t.log).toEqual([
      expect.stringMatching(/^PATCH \/api\/v1\/namespaces\/shop\/events\/app\./),
      expect.stringMatching(/^PATCH /),
    ]);
    expect(patches).toEqual([
      { count: 2, lastTimestamp: '2026-01-01T00:00:00.000Z' },
      { count: 3, lastTimestamp: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  it('counts up an event it did not write itself when the create conflicts', async () => {
    const patches: unknown[] = [];
    const t = new ScriptedTransport(req => {
      if (req.method === 'POST') throw httpError(409);
      if (req.method === 'PATCH') patches.push(req.body);
      return req.method === 'GET' ? { metadata: {}, count: 4 } : {};
    });
    await new KubeObjectWriter({ transport: t, now: () => new Date('2026-01-01T00:00:00Z') }).recordEvent(
      canary('7'),
      event,
    );
    expect(t.log.map(l => l.split(' ')[0])).toEqual(['POST', 'GET', 'PATCH']);
    expect(patches).toEqual([{ count: 5, lastTimestamp: '2026-01-01T00:00:00.000Z' }]);
  });

  it('creates the event again when a remembered one has expired', async () => {
    let created = 0;
    const t = new ScriptedTransport(req => {
      if (req.method === 'PATCH') throw httpError(404);
      if (req.method === 'POST') created++;
      return {};
    });
    const writer = new KubeObjectWriter({ transport: t });
    await writer.recordEvent(canary('7'), event);
    await writer.recordEvent(canary('7'), event);
    expect(created).toBe(2);
    expect(t.log.map(l => l.split(' ')[0])).toEqual(['POST', 'PATCH', 'POST']);
  });
});

/** Answers with the next handler queued for the request's method (or the only one), failing on anything unscripted. */
const byMethod =
  (script: Partial<Record<string, Array<(req: KubeRequest) => unknown> | ((req: KubeRequest) => unknown)>>) =>
  (req: KubeRequest & { method: string }) => {
    const entry = script[req.method];
    const handler = Array.isArray(entry) ? entry.shift() : entry;
    if (!handler) throw new Error(`unexpected ${req.method} ${req.path}`);
    return handler(req);
  };
const conflict = () => {
  throw httpError(409);
};
const notFound = () => {
  throw httpError(404);
};
const echo = (req: KubeRequest) => req.body;
const configMap = (rv: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'shop', resourceVersion: rv },
  data,
});
type ConfigMap = ReturnType<typeof configMap>;
const CM = '/api/v1/namespaces/shop/configmaps/cfg';

describe('KubeObjectWriter.update', () => {
  it('re-reads and retries on 409 until the write lands on the latest version', async () => {
    const t = new ScriptedTransport(
      byMethod({ GET: [() => configMap('1', { a: '1' }), () => configMap('2', { a: '1', b: 'theirs' })], PUT: [conflict, echo] }),
    );
    const result = await new KubeObjectWriter({ transport: t, random: () => 0 }).update<ConfigMap>(
      KINDS.configMap,
      'shop',
      'cfg',
      current => ({ ...current!, data: { ...current!.data, mine: 'x' } }),
    );
    expect(t.log).toEqual([`GET ${CM}`, `PUT ${CM}`, `GET ${CM}`, `PUT ${CM}`]);
    // The second write is built from the second read: the other writer's change is kept.
    expect(result?.metadata.resourceVersion).toBe('2');
    expect(result?.data).toEqual({ a: '1', b: 'theirs', mine: 'x' });
  });

  it('gives up with KubeConflictError after the configured attempts', async () => {
    const t = new ScriptedTransport(byMethod({ GET: () => configMap('1', {}), PUT: conflict }));
    const writer = new KubeObjectWriter({ transport: t, conflictAttempts: 3, random: () => 0 });
    await expect(writer.update(KINDS.configMap, 'shop', 'cfg', c => c)).rejects.toBeInstanceOf(KubeConflictError);
    expect(t.log.filter(l => l.startsWith('PUT'))).toHaveLength(3);
  });

  it('stops retrying once the caller aborts', async () => {
    const abort = new AbortController();
    const t = new ScriptedTransport(
      byMethod({
        GET: () => configMap('1', {}),
        PUT: () => {
          abort.abort();
          return conflict();
        },
      }),
    );
    const writer = new KubeObjectWriter({ transport: t, conflictAttempts: 5, random: () => 0 });
    await expect(writer.update(KINDS.configMap, 'shop', 'cfg', c => c, { signal: abort.signal })).rejects.toThrow(
      'still conflicting after 1 attempts',
    );
  });

  it('writes nothing when the mutation returns undefined (already as desired)', async () => {
    const t = new ScriptedTransport(byMethod({ GET: () => configMap('1', { a: '1' }) }));
    const result = await new KubeObjectWriter({ transport: t }).update(KINDS.configMap, 'shop', 'cfg', () => undefined);
    expect(t.log).toEqual([`GET ${CM}`]);
    expect(result?.metadata.resourceVersion).toBe('1');
  });

  it('hands the mutation a copy, so an abandoned change never reaches the object read', async () => {
    const live = configMap('1', { a: '1' });
    const t = new ScriptedTransport(byMethod({ GET: () => live }));
    await new KubeObjectWriter({ transport: t }).update<ConfigMap>(KINDS.configMap, 'shop', 'cfg', c => {
      c!.data.a = 'changed';
      return undefined;
    });
    expect(live.data).toEqual({ a: '1' });
  });

  it('creates a missing object under the requested name and namespace, with apiVersion and kind', async () => {
    const t = new ScriptedTransport(byMethod({ GET: notFound, POST: echo }));
    const created = await new KubeObjectWriter({ transport: t }).update(
      KINDS.configMap,
      'shop',
      'cfg',
      () => ({ metadata: { name: 'ignored' }, data: { a: '1' } }) as never,
    );
    expect(t.log).toEqual([`GET ${CM}`, 'POST /api/v1/namespaces/shop/configmaps']);
    expect(created).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data: { a: '1' } });
  });
});

describe('KubeObjectWriter.updateStatus without a cached copy', () => {
  it('reads, then puts the new status to the status subresource of the version it read', async () => {
    const bodies: unknown[] = [];
    const t = new ScriptedTransport(
      byMethod({
        GET: () => canary('4'),
        PUT: req => {
          bodies.push(req.body);
          return req.body;
        },
      }),
    );
    await new KubeObjectWriter({ transport: t }).updateStatus(KINDS.canary, 'shop', 'app', () => ({ phase: 'Succeeded' }));
    expect(t.log).toEqual([`GET ${CANARY}`, `PUT ${CANARY}/status`]);
    expect(bodies).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ resourceVersion: '4' }), status: { phase: 'Succeeded' } })]);
  });

  it('writes nothing for an unchanged status or a missing object', async () => {
    const unchanged = new ScriptedTransport(byMethod({ GET: () => canary('4') }));
    await new KubeObjectWriter({ transport: unchanged }).updateStatus(KINDS.canary, 'shop', 'app', () => undefined);
    expect(unchanged.log).toEqual([`GET ${CANARY}`]);
    const missing = new ScriptedTransport(byMethod({ GET: notFound }));
    await expect(
      new KubeObjectWriter({ transport: missing }).updateStatus(KINDS.canary, 'shop', 'app', () => ({ phase: 'Failed' })),
    ).resolves.toBeUndefined();
    expect(missing.log).toEqual([`GET ${CANARY}`]);
  });
});

describe('KubeObjectWriter.create and delete', () => {
  it('answers a create that meets an existing object with the live object', async () => {
    const t = new ScriptedTransport(byMethod({ POST: conflict, GET: () => configMap('9', { live: 'yes' }) }));
    const created = await new KubeObjectWriter({ transport: t }).create(KINDS.configMap, configMap('', {}));
    expect(created.metadata.resourceVersion).toBe('9');
  });

  it('treats deleting a missing object as done, and other failures as failures', async () => {
    const gone = new ScriptedTransport(byMethod({ DELETE: notFound }));
    await expect(new KubeObjectWriter({ transport: gone }).delete(KINDS.configMap, 'shop', 'cfg')).resolves.toBeUndefined();
    const forbidden = new ScriptedTransport(byMethod({ DELETE: () => { throw httpError(403, 'forbidden'); } }));
    await expect(new KubeObjectWriter({ transport: forbidden }).delete(KINDS.configMap, 'shop', 'cfg')).rejects.toThrow('forbidden');
  });
});
