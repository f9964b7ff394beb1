import { mockServices } from '@backstage/backend-test-utils';
import { Canary } from '@delivery/plugin-delivery-common';
import express from 'express';
import request from 'supertest';
import { createFlaggerGateRouter } from './flaggerGateRouter';
import { RateLimiter } from './rateLimiter';
import { GateKey, GateRecord, GateStore } from './types';

const canary = (name: string) =>
  ({ metadata: { name, namespace: 'team-a' }, status: { phase: 'WaitingPromotion', lastAppliedSpec: 'rev-1' } }) as Canary;

/** The gates the route reads: `open` lists `name/type` pairs whose gate of run `run:rev-1` is open. */
function store(open: string[]): GateStore {
  const get = async (key: GateKey): Promise<GateRecord | undefined> =>
    open.includes(`${key.name}/${key.type}`) && key.runKey === 'run:rev-1'
      ? { ...key, requiredApprovals: 1, state: 'open', votes: [], createdAt: '', updatedAt: '' }
      : undefined;
  return { get } as Partial<GateStore> as GateStore;
}

function app(o: { open?: string[]; burst?: number; guesses?: number; now: () => number }) {
  const router = createFlaggerGateRouter({
    store: store(o.open ?? []),
    clusterSecrets: { edge: 'edge-secret' },
    canary: ref => (ref.cluster === 'edge' && ['podinfo', 'other'].includes(ref.name) ? canary(ref.name) : undefined),
    logger: mockServices.logger.mock(),
    requests: new RateLimiter({ perSecond: 1, burst: o.burst ?? 100, now: o.now }),
    failures: new RateLimiter({ perSecond: 1 / 60, burst: o.guesses ?? 10, now: o.now }),
  });
  return express().use(router);
}

const check = (server: express.Express, path: string, name = 'podinfo') =>
  request(server).post(`/gates/${path}`).send({ name, namespace: 'team-a', phase: 'WaitingPromotion' });

describe('upstream Flagger gate route', () => {
  it('answers open or closed and nothing else, the same for a closed and an unknown canary', async () => {
    const server = app({ open: ['podinfo/confirm-promotion'], now: () => 0 });
    const open = await check(server, 'edge/edge-secret/confirm-promotion');
    const closed = await check(server, 'edge/edge-secret/confirm-promotion', 'other');
    const unknown = await check(server, 'edge/edge-secret/confirm-promotion', 'ghost');
    const wrongType = await check(server, 'edge/edge-secret/confirm-rollout');
    expect([open.status, open.text]).toEqual([200, 'Approved']);
    for (const r of [closed, unknown, wrongType]) expect([r.status, r.text]).toEqual([403, 'Forbidden']);
  });

  it('locks a caller out after repeated wrong secrets, even with the right one, until the allowance refills', async () => {
    let now = 0;
    const server = app({ open: ['podinfo/confirm-promotion'], guesses: 3, now: () => now });
    const statuses = [];
    for (const secret of ['a', 'b', 'c', 'edge-secret']) {
      statuses.push((await check(server, `edge/${secret}/confirm-promotion`)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Unknown clusters count as guesses too.
    now += 60_000;
    expect((await check(server, 'mars/x/confirm-promotion')).status).toBe(404);
    expect((await check(server, 'edge/edge-secret/confirm-promotion')).status).toBe(429);
    now += 60_000;
    const after = await check(server, 'edge/edge-secret/confirm-promotion');
    expect([after.status, after.text]).toEqual([200, 'Approved']);
  });

  it('limits the request rate per caller with Retry-After', async () => {
    let now = 0;
    const server = app({ burst: 2, now: () => now });
    const first = [await check(server, 'edge/edge-secret/confirm-promotion'), await check(server, 'edge/edge-secret/confirm-promotion')];
    expect(first.map(r => r.status)).toEqual([403, 403]);
    const limited = await check(server, 'edge/edge-secret/confirm-promotion');
    expect([limited.status, limited.headers['retry-after'], limited.text]).toEqual([429, '1', 'Too Many Requests']);
    now += 1000;
    expect((await check(server, 'edge/edge-secret/confirm-promotion')).status).toBe(403);
  });
});
