import { ResponseError } from '@backstage/errors';
import { mockApis, registerMswTestHooks } from '@backstage/test-utils';
import { HttpResponse, delay, http } from 'msw';
import { setupServer } from 'msw/node';
import { podinfoEntityCanaries, progressingCanary } from '../__fixtures__';
import { DeliveryClient } from './DeliveryClient';

const BASE = 'http://localhost:7007/api/delivery';
const server = setupServer();
registerMswTestHooks(server);

function client(timeoutMs?: number) {
  const discoveryApi = mockApis.discovery({ baseUrl: 'http://localhost:7007' });
  // fetchApi is what adds the user's token in a real app; this one does the same so the test can see it is used.
  const fetchApi = {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set('Authorization', 'Bearer user-token');
      return fetch(input, { ...init, headers });
    },
  };
  return new DeliveryClient({ discoveryApi, fetchApi, timeoutMs });
}

describe('DeliveryClient', () => {
  it('asks for the canaries of an entity through fetchApi, at the discovered base URL', async () => {
    let seen: Request | undefined;
    server.use(
      http.get(`${BASE}/entity-canaries`, ({ request }) => {
        seen = request;
        return HttpResponse.json(podinfoEntityCanaries);
      }),
    );
    const result = await client().getEntityCanaries('component:default/podinfo');
    expect(result.items).toHaveLength(podinfoEntityCanaries.items.length);
    expect(new URL(seen!.url).searchParams.get('entityRef')).toBe('component:default/podinfo');
    expect(seen!.headers.get('authorization')).toBe('Bearer user-token');
  });

  it('encodes each part of a canary path', async () => {
    server.use(
      http.get(`${BASE}/canaries/:cluster/:namespace/:name`, ({ params }) =>
        HttpResponse.json({ ...progressingCanary, cluster: params.cluster, name: params.name }),
      ),
    );
    const details = await client().getCanary({ cluster: 'dev eu', namespace: 'test', name: 'pod/info' });
    expect(details.cluster).toBe('dev eu');
    expect(details.name).toBe('pod/info');
  });

  it('sends fleet filters as repeated query parameters and skips empty ones', async () => {
    let query: URLSearchParams | undefined;
    server.use(
      http.get(`${BASE}/fleet`, ({ request }) => {
        query = new URL(request.url).searchParams;
        return HttpResponse.json({ items: [], total: 0, offset: 0, limit: 25, phaseCounts: {}, clusters: [] });
      }),
    );
    await client().getFleet({ cluster: ['a', 'b'], phase: ['Failed'], needsAttention: true, search: '', limit: 50 });
    expect(query!.getAll('cluster')).toEqual(['a', 'b']);
    expect(query!.getAll('phase')).toEqual(['Failed']);
    expect(query!.get('needsAttention')).toBe('true');
    expect(query!.get('limit')).toBe('50');
    expect(query!.has('search')).toBe(false);
  });

  it('unwraps the cluster list', async () => {
    server.use(http.get(`${BASE}/clusters`, () => HttpResponse.json({ items: podinfoEntityCanaries.clusters })));
    expect((await client().getClusters()).map(c => c.name)).toContain('edge-ap');
  });

  it('posts an action with its gate and comment', async () => {
    let body: unknown;
    let path = '';
    server.use(
      http.post(`${BASE}/canaries/:cluster/:namespace/:name/actions/:action`, async ({ request }) => {
        body = await request.json();
        path = new URL(request.url).pathname;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    await client().performAction(
      { cluster: 'prod-us', namespace: 'test', name: 'podinfo' },
      { action: 'approve', gate: 'release-gate', comment: 'ship it' },
    );
    expect(path).toBe('/api/delivery/canaries/prod-us/test/podinfo/actions/approve');
    expect(body).toEqual({ gate: 'release-gate', comment: 'ship it' });
  });

  it('turns an error response into a ResponseError carrying the status and the backend message', async () => {
    server.use(
      http.get(`${BASE}/canaries/:cluster/:namespace/:name`, () =>
        HttpResponse.json(
          { error: { name: 'NotAllowedError', message: 'not allowed to read canaries in prod' }, response: { statusCode: 403 } },
          { status: 403 },
        ),
      ),
    );
    const failure = client().getCanary({ cluster: 'prod', namespace: 'x', name: 'y' });
    await expect(failure).rejects.toBeInstanceOf(ResponseError);
    await expect(failure).rejects.toMatchObject({ statusCode: 403 });
    await expect(failure).rejects.toMatchObject({ cause: { message: 'not allowed to read canaries in prod' } });
  });

  it('gives up after its deadline', async () => {
    server.use(
      http.get(`${BASE}/clusters`, async () => {
        await delay('infinite');
        return HttpResponse.json({ items: [] });
      }),
    );
    await expect(client(50).getClusters()).rejects.toThrow(/did not answer within 50 ms/);
  });

  it('stops when the caller aborts', async () => {
    server.use(
      http.get(`${BASE}/clusters`, async () => {
        await delay('infinite');
        return HttpResponse.json({ items: [] });
      }),
    );
    const controller = new AbortController();
    const pending = client().getClusters({ signal: controller.signal });
    controller.abort(new Error('tab closed'));
    await expect(pending).rejects.toThrow(/tab closed/);
  });
});
