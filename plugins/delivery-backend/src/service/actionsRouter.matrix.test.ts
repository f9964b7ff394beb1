import { mockCredentials } from '@backstage/backend-test-utils';
import express from 'express';
import request from 'supertest';
import { ACTION_IDS, ActionId } from '../actions/availability';
import { Harness, USERS, canary, startActionsBackend } from '../actions/__testUtils__/harness';
import { createFlaggerGateRouter } from '../gates/flaggerGateRouter';
import { actionPath, createActionsRouter } from './actionsRouter';
import { createRouter } from './router';

jest.setTimeout(60_000);

/** Every non-GET route of an express router, as `METHOD path`, nested routers included. */
function mutatingRoutes(router: express.Router): string[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap(layer => {
      if (layer.route) {
        return Object.keys(layer.route.methods)
          .filter(m => m !== 'get' && m !== 'head' && m !== '_all')
          .map(m => `${m.toUpperCase()} ${layer.route!.path}`);
      }
      return layer.handle?.stack ? walk(layer.handle.stack) : [];
    });
  return walk((router as unknown as { stack: Layer[] }).stack);
}

/** What one action needs to be possible: a canary state where it is offered. */
const SETUP: Record<ActionId, { phase: string; suspend?: boolean; body?: object }> = {
  approve: { phase: 'WaitingPromotion', body: { gate: 'release-gate' } },
  reject: { phase: 'WaitingPromotion', body: { gate: 'release-gate' } },
  promote: { phase: 'Progressing' },
  abort: { phase: 'Progressing' },
  pause: { phase: 'Progressing' },
  resume: { phase: 'Progressing', suspend: true },
  retry: { phase: 'Failed' },
};

type Principal = 'no token' | 'service token' | 'user without permission' | 'user with permission on another namespace' | 'owner' | 'authorized user';
const PRINCIPALS: Array<[Principal, number, string]> = [
  ['no token', 401, mockCredentials.none.header()],
  ['service token', 403, mockCredentials.service.header()],
  ['user without permission', 403, mockCredentials.user.header(USERS.nobody)],
  ['user with permission on another namespace', 403, mockCredentials.user.header(USERS.otherNamespace)],
  ['owner', 200, mockCredentials.user.header(USERS.owner)],
  ['authorized user', 200, mockCredentials.user.header(USERS.admin)],
];

/** The actor an audit event names: the signed-in user, never one made up for a caller who is not one. */
const userOf: Record<Principal, string | undefined> = {
  'no token': undefined,
  'service token': undefined,
  'user without permission': USERS.nobody,
  'user with permission on another namespace': USERS.otherNamespace,
  owner: USERS.owner,
  'authorized user': USERS.admin,
};

/** The route × principal matrix: one row per mutating route. Routes authenticated otherwise are listed apart. */
const MATRIX: Record<string, ActionId> = Object.fromEntries(ACTION_IDS.map(id => [`POST ${actionPath(id)}`, id]));
const NOT_USER_ROUTES: Record<string, string> = {
  'POST /gates/:cluster/:secret/:type':
    "upstream Flagger's gate check: per-cluster secret, answers open/closed only, changes nothing (flaggerGateRouter.test.ts)",
};

describe('action routes × principals', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startActionsBackend();
  });

  it('has a matrix row for every mutating route the plugin registers', async () => {
    const never = undefined as never;
    const routers = [
      await createRouter({
        logger: never,
        httpAuth: never,
        health: never,
        permissions: never,
        catalog: never,
        fleet: never,
        details: never,
      }),
      createActionsRouter({ httpAuth: never, auditor: never, guard: never, service: never }),
      createFlaggerGateRouter({ store: never, clusterSecrets: {}, canary: never, logger: never }),
    ];
    const registered = routers.flatMap(mutatingRoutes).sort();
    expect(registered).toEqual([...Object.keys(MATRIX), ...Object.keys(NOT_USER_ROUTES)].sort());
  });

  it.each([
    ['no token', 401, mockCredentials.none.header()],
    ['a service token', 403, mockCredentials.service.header()],
  ])('refuses %s with %p before reading the input or asking anyone', async (_who, status, header) => {
    const catalogBefore = h.calls.catalog.length;
    const authorizeBefore = h.calls.authorize;
    const res = await request(h.server)
      .post('/api/delivery/canaries/prod/team-a/no-such-canary/actions/approve')
      .set('Authorization', header)
      .send({ unexpected: true });
    expect(res.status).toBe(status);
    expect(h.calls.catalog.length).toBe(catalogBefore);
    expect(h.calls.authorize).toBe(authorizeBefore);
  });

  describe.each(Object.entries(MATRIX))('%s', (_route, id) => {
    it.each(PRINCIPALS)('as %s answers %p, and only the authorized change anything', async (principal, status, header) => {
      const name = `${id}-${principal.replace(/[^a-z]+/g, '-')}`.slice(0, 60).replace(/-$/, '');
      const ref = { cluster: 'prod', namespace: 'team-a', name };
      const setup = SETUP[id];
      const observed = h.seed(ref, canary(ref, setup.phase, { suspend: setup.suspend }));
      const writesBefore = h.kube.prod.writes.filter(w => w.kind !== 'Event').length;
      const actorsBefore = h.actors.length;
      const catalogBefore = h.calls.catalog.length;
      const authorizeBefore = h.calls.authorize;

      const res = await request(h.server)
        .post(`/api/delivery/canaries/prod/team-a/${name}/actions/${id}`)
        .set('Authorization', header)
        .send({ ...observed, ...setup.body, comment: `matrix ${principal}` });

      const audit = h.audits.filter(a => a.meta.canary === name);
      const eventByUser = h.kube.prod.events.some(e => e.involved.name === name && e.message.includes('(by user:default/'));
      const observedCell = {
        status: res.status,
        changed: res.body.changed,
        writes: h.kube.prod.writes.filter(w => w.kind !== 'Event').length > writesBefore,
        history: h.actors.slice(actorsBefore).map(a => [a.action, a.comment, a.outcome, a.actor]),
        event: eventByUser,
        audit: audit.map(a => [a.status, a.meta.outcome, a.meta.actor]),
        // Who is not a signed-in user is turned away before the plugin asks the catalog or the permission framework.
        lookedUp: h.calls.catalog.length > catalogBefore,
        authorized: h.calls.authorize > authorizeBefore,
        // Votes live in the gate store, not the cluster: approvals open the gate, reject and abort the rollback gate.
        gateOpen: await h.feature
          .gateResolver('prod')
          .isOpen(canary(ref, setup.phase), id === 'approve' ? 'confirm-promotion' : 'rollback'),
      };
      const allowed = status === 200;
      const user = principal !== 'no token' && principal !== 'service token';
      expect(observedCell).toEqual({
        status,
        changed: allowed ? true : undefined,
        writes: allowed && !['approve'].includes(id),
        // Like the audit event: one row per attempt by a signed-in user, refused or not; none for anyone else.
        history: user ? [[id, `matrix ${principal}`, allowed ? 'accepted' : 'refused', userOf[principal]]] : [],
        event: allowed,
        // Without a token Backstage's default auth policy refuses the request before it reaches the plugin; we
        // keep that policy (defence in depth) rather than open the routes to audit anonymous attempts.
        audit: principal === 'no token' ? [] : [[allowed ? 'success' : 'fail', allowed ? 'accepted' : 'refused', userOf[principal]]],
        lookedUp: user,
        authorized: user,
        gateOpen: allowed && ['approve', 'reject', 'abort'].includes(id),
      });
    });
  });
});
