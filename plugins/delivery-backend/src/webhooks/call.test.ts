import { registerMswTestHooks } from '@backstage/backend-test-utils';
import type { CanaryWebhook } from '@delivery/plugin-delivery-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { podinfoCanary } from '../routers/__fixtures__/podinfo';
import {
  WebhookCaller,
  checkErrorClass,
  eventPayload,
  parseGoDuration,
  webhookTimeoutMs,
} from './call';
import type { GateResolver } from './gates';

const server = setupServer();
registerMswTestHooks(server);

// Loopback only: msw's interceptor still resolves host names.
const HOOK = 'http://127.0.0.1:8080/gate/check';
const canary = podinfoCanary({ status: { phase: 'Progressing' } });

/** Serves `responses` in order (the last one repeats) and records each request body. */
function hook(...responses: Array<() => Response>) {
  const bodies: unknown[] = [];
  const contentTypes: Array<string | null> = [];
  server.use(
    http.post(HOOK, async ({ request }) => {
      bodies.push(await request.json());
      contentTypes.push(request.headers.get('content-type'));
      return responses[Math.min(bodies.length - 1, responses.length - 1)]();
    }),
  );
  return { bodies, contentTypes };
}

function caller(extra: ConstructorParameters<typeof WebhookCaller>[0] = {}) {
  const sleeps: number[] = [];
  const c = new WebhookCaller({
    sleep: async ms => {
      sleeps.push(ms);
    },
    now: () => new Date(1700000000123),
    ...extra,
  });
  return { c, sleeps };
}

const webhook = (extra: Partial<CanaryWebhook> = {}): CanaryWebhook => ({
  name: 'approve',
  type: 'confirm-rollout',
  url: HOOK,
  ...extra,
});
const call = (c: WebhookCaller, w: CanaryWebhook) =>
  c.call({ canary, webhook: w, phase: 'Progressing', checksum: '85d557f47b' });

describe('WebhookCaller.call', () => {
  it('posts the Flagger payload as JSON, with metadata only when set', async () => {
    const { bodies, contentTypes } = hook(() => HttpResponse.text('Approved'));
    const { c } = caller();
    expect(await call(c, webhook())).toEqual({
      ok: true,
      status: 200,
      attempts: 1,
    });
    await call(c, webhook({ metadata: { cmd: 'hey -z 1m' } }));
    expect(bodies).toEqual([
      {
        name: 'podinfo',
        namespace: 'test',
        phase: 'Progressing',
        checksum: '85d557f47b',
      },
      {
        name: 'podinfo',
        namespace: 'test',
        phase: 'Progressing',
        checksum: '85d557f47b',
        metadata: { cmd: 'hey -z 1m' },
      },
    ]);
    expect(contentTypes[0]).toBe('application/json');
  });

  it.each([
    [200, true],
    [201, true],
    [202, true],
    [203, false],
    [204, false],
    [299, false],
  ])(
    'treats status %d as ok=%s (success is <= 202, as in Flagger)',
    async (status, ok) => {
      hook(() => new HttpResponse(status === 204 ? null : 'body', { status }));
      expect((await call(caller().c, webhook())).ok).toBe(ok);
    },
  );

  it('returns the body as the error text and never retries a 4xx', async () => {
    const { bodies } = hook(() =>
      HttpResponse.text('Forbidden', { status: 403 }),
    );
    const { c, sleeps } = caller();
    const result = await call(c, webhook({ retries: 3 }));
    expect(result).toEqual({
      ok: false,
      status: 403,
      attempts: 1,
      failure: 'status',
      message: 'Forbidden',
    });
    expect(bodies).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(checkErrorClass(result)).toBe('webhook-error');
  });

  it("retries 5xx with exponential backoff and then gives up with go-retryablehttp's text", async () => {
    const { bodies } = hook(() => HttpResponse.text('oops', { status: 500 }));
    const { c, sleeps } = caller();
    const result = await call(c, webhook({ retries: 3 }));
    expect(result).toEqual({
      ok: false,
      status: 500,
      attempts: 4,
      failure: 'status',
      message: `POST ${HOOK} giving up after 4 attempt(s)`,
    });
    expect(bodies).toHaveLength(4);
    expect(sleeps).toEqual([1000, 2000, 4000]);
  });

  it('caps the backoff at 30s', async () => {
    hook(() => HttpResponse.text('', { status: 502 }));
    const { c, sleeps } = caller();
    await call(c, webhook({ retries: 7 }));
    expect(sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('gives up after one attempt without retries', async () => {
    hook(() => HttpResponse.text('down', { status: 503 }));
    expect((await call(caller().c, webhook())).message).toBe(
      `POST ${HOOK} giving up after 1 attempt(s)`,
    );
  });

  it('does not retry 501 and reports its body', async () => {
    const { bodies } = hook(() =>
      HttpResponse.text('not implemented', { status: 501 }),
    );
    expect(await call(caller().c, webhook({ retries: 2 }))).toMatchObject({
      ok: false,
      message: 'not implemented',
    });
    expect(bodies).toHaveLength(1);
  });

  it('succeeds when a retry succeeds', async () => {
    hook(
      () => HttpResponse.text('', { status: 503 }),
      () => HttpResponse.text('', { status: 500 }),
      () => HttpResponse.text('ok'),
    );
    const { c, sleeps } = caller();
    expect(await call(c, webhook({ retries: 5 }))).toEqual({
      ok: true,
      status: 200,
      attempts: 3,
    });
    expect(sleeps).toEqual([1000, 2000]);
  });

  it.each([
    ['3', 3000],
    ['120', 30000],
    // HTTP dates have whole seconds: 1700000005.000 − 1700000000.123
    [new Date(1700000000123 + 5000).toUTCString(), 4877],
  ])(
    'honours Retry-After %s on 429, capped at 30s',
    async (retryAfter, wait) => {
      hook(
        () =>
          HttpResponse.text('slow down', {
            status: 429,
            headers: { 'Retry-After': retryAfter },
          }),
        () => HttpResponse.text('ok'),
      );
      const { c, sleeps } = caller();
      expect((await call(c, webhook({ retries: 1 }))).ok).toBe(true);
      expect(sleeps).toEqual([wait]);
    },
  );

  it('retries connection errors and classifies the final failure as connection', async () => {
    server.use(http.post(HOOK, () => HttpResponse.error()));
    const { c, sleeps } = caller();
    const result = await call(c, webhook({ retries: 1 }));
    expect(result).toMatchObject({
      ok: false,
      attempts: 2,
      failure: 'connection',
    });
    expect(result.message).toMatch(
      new RegExp(
        `^POST ${HOOK} giving up after 2 attempt\\(s\\): Post "${HOOK}": `,
      ),
    );
    expect(sleeps).toEqual([1000]);
  });

  it('times each attempt out and classifies it as timeout', async () => {
    server.use(http.post(HOOK, () => new Promise<Response>(() => {})));
    const result = await call(caller().c, webhook({ timeout: '50ms' }));
    expect(result).toMatchObject({
      ok: false,
      attempts: 1,
      failure: 'timeout',
    });
    expect(checkErrorClass(result)).toBe('timeout');
  });

  it('rejects an unusable timeout or URL without sending', async () => {
    expect(
      await call(caller().c, webhook({ timeout: '10 seconds' })),
    ).toMatchObject({ ok: false, attempts: 0, failure: 'invalid' });
    expect(
      await call(caller().c, webhook({ url: 'ftp://127.0.0.1/x', retries: 3 })),
    ).toMatchObject({ ok: false, attempts: 1, failure: 'invalid' });
  });

  it('redacts a password in the URL of the give-up message', async () => {
    server.use(
      http.post('http://127.0.0.1:8080/h', () =>
        HttpResponse.text('', { status: 500 }),
      ),
    );
    const result = await call(
      caller().c,
      webhook({ url: 'http://user:secret@127.0.0.1:8080/h' }),
    );
    expect(result.message).toBe(
      'POST http://user:xxxxx@127.0.0.1:8080/h giving up after 1 attempt(s)',
    );
  });

  it('stops waiting between retries when the caller aborts', async () => {
    hook(() => HttpResponse.text('', { status: 500 }));
    const controller = new AbortController();
    const c = new WebhookCaller({
      sleep: async (_ms, signal) => {
        controller.abort(new Error('tick over'));
        signal?.throwIfAborted();
      },
    });
    await expect(
      c.call({
        canary,
        webhook: webhook({ retries: 2 }),
        phase: 'Progressing',
        checksum: 'x',
        signal: controller.signal,
      }),
    ).rejects.toThrow('tick over');
  });
});

describe('gates', () => {
  const gates = (open: boolean | Error): GateResolver & { asked: string[] } => {
    const asked: string[] = [];
    return {
      asked,
      handles: url =>
        url.startsWith('http://127.0.0.1:7007/api/delivery/gates/'),
      isOpen: async (c, type) => {
        asked.push(`${c.metadata.name}/${type}`);
        if (open instanceof Error) throw open;
        return open;
      },
    };
  };
  const gateHook = webhook({
    type: 'confirm-promotion',
    url: 'http://127.0.0.1:7007/api/delivery/gates/check',
  });

  it('answers our own gate URLs from the gate store without HTTP', async () => {
    // No msw handler is registered: an HTTP call would fail the test (onUnhandledRequest: 'error').
    const open = gates(true);
    expect(await call(caller({ gates: open }).c, gateHook)).toEqual({
      ok: true,
      attempts: 0,
      viaGate: true,
    });
    expect(open.asked).toEqual(['podinfo/confirm-promotion']);
    expect(
      await call(caller({ gates: gates(false) }).c, gateHook),
    ).toMatchObject({ ok: false, failure: 'status', message: 'Forbidden' });
    expect(
      await call(caller({ gates: gates(new Error('db down')) }).c, gateHook),
    ).toMatchObject({ ok: false, failure: 'gate', message: 'db down' });
  });

  it('defaults an untyped hook to rollout and sends other URLs over HTTP', async () => {
    const resolver = gates(true);
    hook(() => HttpResponse.text('ok'));
    expect(await call(caller({ gates: resolver }).c, webhook())).toMatchObject({
      ok: true,
      attempts: 1,
    });
    await call(caller({ gates: resolver }).c, {
      name: 'g',
      url: 'http://127.0.0.1:7007/api/delivery/gates/x',
    });
    expect(resolver.asked).toEqual(['podinfo/rollout']);
  });
});

describe('event webhooks', () => {
  it('sends the event fields in metadata; hook metadata cannot override them', async () => {
    const { bodies } = hook(() => HttpResponse.text('ok'));
    const { c } = caller();
    const result = await c.callEvent(
      canary,
      webhook({
        type: 'event',
        metadata: { eventType: 'spoofed', env: 'prod' },
      }),
      'sum',
      { message: 'Advance podinfo.test canary weight 30', type: 'Normal' },
    );
    expect(result.ok).toBe(true);
    expect(bodies[0]).toEqual({
      name: 'podinfo',
      namespace: 'test',
      phase: 'Progressing',
      checksum: 'sum',
      metadata: {
        eventMessage: 'Advance podinfo.test canary weight 30',
        eventType: 'Normal',
        timestamp: '1700000000123',
        env: 'prod',
      },
    });
  });

  it('uses the current phase of the canary', () => {
    const payload = eventPayload(
      podinfoCanary({ status: { phase: 'Failed' } }),
      'c',
      { message: 'm', type: 'Warning', time: new Date(5) },
    );
    expect(payload.phase).toBe('Failed');
    expect(payload.metadata?.timestamp).toBe('5');
  });
});

describe('durations', () => {
  it.each([
    ['10s', 10000],
    ['1m', 60000],
    ['1m30s', 90000],
    ['1.5s', 1500],
    ['250ms', 250],
    ['0', 0],
  ])('parses %s', (text, ms) => expect(parseGoDuration(text)).toBe(ms));

  it.each([['5'], ['s'], [''], ['1d']])('rejects %j', text =>
    expect(() => parseGoDuration(text)).toThrow('time: invalid duration'),
  );

  it.each([
    [undefined, 10000],
    ['', 10000],
    ['5', 10000],
    ['30s', 30000],
  ])('uses timeout %j as %d ms (shorter than 2 chars → 10s)', (timeout, ms) =>
    expect(webhookTimeoutMs(timeout)).toBe(ms),
  );
});
