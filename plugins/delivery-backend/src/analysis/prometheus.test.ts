import { registerMswTestHooks } from '@backstage/backend-test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  ConcurrencyLimiter,
  NoValuesFoundError,
  PrometheusClient,
  PrometheusClients,
  ProviderUnreachableError,
  QueryError,
} from './prometheus';

const server = setupServer();
registerMswTestHooks(server);

// A loopback address: msw's interceptor still resolves host names, which must not leave the machine.
const PROM = 'http://127.0.0.1:9090';
const vector = (...values: string[]) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: values.map((v, i) => ({
      metric: { i: String(i) },
      value: [1700000000, v],
    })),
  },
});

describe('PrometheusClient', () => {
  it('sends the whitespace-collapsed query to /api/v1/query with bearer auth and custom headers', async () => {
    const seen: {
      query: string | null;
      auth: string | null;
      tenant: string | null;
      path: string;
    }[] = [];
    server.use(
      http.get(`${PROM}/prefix/api/v1/query`, ({ request }) => {
        const url = new URL(request.url);
        seen.push({
          query: url.searchParams.get('query'),
          auth: request.headers.get('authorization'),
          tenant: request.headers.get('x-scope-orgid'),
          path: url.pathname,
        });
        return HttpResponse.json(vector('99.5'));
      }),
    );
    const client = new PrometheusClient({
      address: `${PROM}/prefix/`,
      token: 't0k',
      headers: { 'X-Scope-OrgID': ['team-a'] },
    });
    await expect(client.runQuery('sum(\n  rate(x[1m])\n)\n')).resolves.toBe(
      99.5,
    );
    expect(seen).toEqual([
      {
        query: 'sum( rate(x[1m]) ) ',
        auth: 'Bearer t0k',
        tenant: 'team-a',
        path: '/prefix/api/v1/query',
      },
    ]);
  });

  it('uses basic auth when there is no token', async () => {
    let auth: string | null = null;
    server.use(
      http.get(`${PROM}/api/v1/query`, ({ request }) => {
        auth = request.headers.get('authorization');
        return HttpResponse.json(vector('1'));
      }),
    );
    await new PrometheusClient({
      address: PROM,
      username: 'u',
      password: 'p',
    }).runQuery('up');
    expect(auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it.each([
    ['the last sample of several series', vector('1', '2', '3'), 3],
    ['+Inf', vector('+Inf'), Infinity],
    ['a negative value', vector('-0.5'), -0.5],
  ])('returns %s', async (_what, body, expected) => {
    server.use(http.get(`${PROM}/api/v1/query`, () => HttpResponse.json(body)));
    await expect(
      new PrometheusClient({ address: PROM }).runQuery('q'),
    ).resolves.toBe(expected);
  });

  it.each([
    ['an empty vector', vector()],
    ['NaN', vector('NaN')],
  ])('reports no values for %s', async (_what, body) => {
    server.use(http.get(`${PROM}/api/v1/query`, () => HttpResponse.json(body)));
    const error = await new PrometheusClient({ address: PROM })
      .runQuery('q')
      .catch(e => e);
    expect(error).toBeInstanceOf(NoValuesFoundError);
    expect(error.message).toBe('no values found');
  });

  it.each([
    [
      'a matrix',
      { data: { resultType: 'matrix', result: [{ values: [[1, '1']] }] } },
      'query returned multiple values',
    ],
    [
      'a scalar',
      { data: { resultType: 'scalar', result: [1, '1'] } },
      'unsupported result type scalar',
    ],
    [
      'an unparsable sample',
      vector('abc'),
      'strconv.ParseFloat: parsing "abc": invalid syntax',
    ],
  ])('rejects %s with QueryError', async (_what, body, message) => {
    server.use(http.get(`${PROM}/api/v1/query`, () => HttpResponse.json(body)));
    const error = await new PrometheusClient({ address: PROM })
      .runQuery('q')
      .catch(e => e);
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toContain(message);
  });

  it('turns an error status into a QueryError carrying the body', async () => {
    server.use(
      http.get(`${PROM}/api/v1/query`, () =>
        HttpResponse.text('parse error at char 3', { status: 400 }),
      ),
    );
    const error = await new PrometheusClient({ address: PROM })
      .runQuery('q')
      .catch(e => e);
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toBe(
      'error response: Status 400 Bad Request: parse error at char 3',
    );
    expect(error.status).toBe(400);
  });

  it('reports bad JSON with the body', async () => {
    server.use(
      http.get(`${PROM}/api/v1/query`, () => HttpResponse.text('<html>')),
    );
    await expect(
      new PrometheusClient({ address: PROM }).runQuery('q'),
    ).rejects.toThrow(/^error unmarshaling result: .*, '<html>'$/);
  });

  it('classifies a network failure as unreachable', async () => {
    server.use(http.get(`${PROM}/api/v1/query`, () => HttpResponse.error()));
    const error = await new PrometheusClient({ address: PROM })
      .runQuery('q')
      .catch(e => e);
    expect(error).toBeInstanceOf(ProviderUnreachableError);
    expect(error.timedOut).toBe(false);
    expect(error.message).toMatch(/^request failed: /);
  });

  it('gives up at the per-call deadline and marks it as a timeout', async () => {
    server.use(
      http.get(`${PROM}/api/v1/query`, () => new Promise<Response>(() => {})),
    );
    const error = await new PrometheusClient({ address: PROM, timeoutMs: 20 })
      .runQuery('q')
      .catch(e => e);
    expect(error).toBeInstanceOf(ProviderUnreachableError);
    expect(error.timedOut).toBe(true);
  });

  it('stops when the caller aborts', async () => {
    server.use(
      http.get(`${PROM}/api/v1/query`, () => new Promise<Response>(() => {})),
    );
    const controller = new AbortController();
    const pending = new PrometheusClient({ address: PROM }).runQuery('q', {
      signal: controller.signal,
    });
    controller.abort(new Error('tick deadline'));
    await expect(pending).rejects.toThrow('tick deadline');
  });

  it.each([[''], ['not a url'], ['ftp://x']])(
    'rejects the address %j',
    address => {
      expect(() => new PrometheusClient({ address })).toThrow(
        `prometheus address ${address} is not a valid URL`,
      );
    },
  );

  it('is online when vector(1) answers 1', async () => {
    server.use(
      http.get(`${PROM}/api/v1/query`, ({ request }) =>
        HttpResponse.json(
          vector(
            new URL(request.url).searchParams.get('query') === 'vector(1)'
              ? '1'
              : '0',
          ),
        ),
      ),
    );
    await expect(
      new PrometheusClient({ address: PROM }).isOnline(),
    ).resolves.toBe(true);
  });

  it('explains why it is not online', async () => {
    server.use(
      http.get(`${PROM}/api/v1/query`, () =>
        HttpResponse.text('down', { status: 503 }),
      ),
    );
    await expect(
      new PrometheusClient({ address: PROM }).isOnline(),
    ).rejects.toThrow(
      'running query failed: error response: Status 503 Service Unavailable: down',
    );
  });
});

describe('concurrency cap', () => {
  it('lets at most N queries reach one endpoint at a time', async () => {
    let inFlight = 0;
    let peak = 0;
    const held: Array<() => void> = [];
    server.use(
      http.get(`${PROM}/*`, async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise<void>(r => held.push(r));
        return HttpResponse.json(vector('1'));
      }),
    );
    const answer = () => {
      inFlight--;
      held.shift()!();
    };
    // Waits for the interceptor to deliver requests; bounded so a broken cap fails instead of hanging.
    const settle = async (until: () => boolean) => {
      const deadline = Date.now() + 20_000;
      while (!until() && Date.now() < deadline)
        await new Promise(r => setTimeout(r, 10));
    };
    const clients = new PrometheusClients({ maxPerEndpoint: 2 });
    // Two clients of the same origin share the cap.
    const a = clients.client({ address: PROM });
    const b = clients.client({ address: `${PROM}/other` });
    const all = Promise.allSettled([
      a.runQuery('1'),
      a.runQuery('2'),
      b.runQuery('3'),
      b.runQuery('4'),
      a.runQuery('5'),
    ]);
    const heldWhenAnswering: number[] = [];
    for (let answered = 0; answered < 5; answered++) {
      await settle(() => held.length === Math.min(2, 5 - answered));
      heldWhenAnswering.push(held.length);
      if (held.length) answer();
    }
    const results = await all;
    expect(
      results.map(r => (r.status === 'fulfilled' ? r.value : r.reason)),
    ).toEqual([1, 1, 1, 1, 1]);
    expect(heldWhenAnswering).toEqual([2, 2, 2, 2, 1]);
    expect(peak).toBe(2);
  }, 90_000);

  it('drops a waiter whose signal aborts', async () => {
    const limiter = new ConcurrencyLimiter(1);
    let unblock!: () => void;
    const holder = limiter.run(() => new Promise<void>(r => (unblock = r)));
    const controller = new AbortController();
    const waiter = limiter.run(async () => 'ran', controller.signal);
    expect(limiter.queued).toBe(1);
    controller.abort(new Error('gave up'));
    await expect(waiter).rejects.toThrow('gave up');
    expect(limiter.queued).toBe(0);
    unblock();
    await holder;
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });
});
