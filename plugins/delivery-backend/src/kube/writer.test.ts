import type { KubeRequest, KubeTransport } from './clusters';
import { httpError } from './testing/memoryTransport';
import { KINDS, KubeObject } from './types';
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

  it('creates a new event with one request and counts a repeat up with a read and a patch', async () => {
    const patches: unknown[] = [];
    const t = new ScriptedTransport(req => {
      if (req.method === 'PATCH') patches.push(req.body);
      return req.method === 'GET' ? { metadata: {}, count: 3 } : {};
    });
    const writer = new KubeObjectWriter({ transport: t, now: () => new Date('2026-01-01T00:00:00Z') });
    await writer.recordEvent(canary('7'), event);
    expect(t.log).toEqual([`POST ${EVENTS}`]);
    t.log.length = 0;
    await writer.recordEvent(canary('7'), event);
    expect(t.log).toEqual([expect.stringMatching(/^GET \/api\/v1\/namespaces\/shop\/events\/app\./), expect.stringMatching(/^PATCH /)]);
    expect(patches).toEqual([{ count: 4, lastTimestamp: '2026-01-01T00:00:00.000Z' }]);
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
      if (req.method === 'GET') throw httpError(404);
      if (req.method === 'POST') created++;
      return {};
    });
    const writer = new KubeObjectWriter({ transport: t });
    await writer.recordEvent(canary('7'), event);
    await writer.recordEvent(canary('7'), event);
    expect(created).toBe(2);
    expect(t.log.map(l => l.split(' ')[0])).toEqual(['POST', 'GET', 'POST']);
  });
});
