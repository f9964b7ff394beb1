import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import { Harness, USERS, canary, startActionsBackend } from './__testUtils__/harness';
import { ABORT_ANNOTATION, readActionIntents } from './intents';
import { KINDS } from '../kube/types';

jest.setTimeout(60_000);

const as = (user: string) => mockCredentials.user.header(user);
const gateCheck = (h: Harness, path: string, body: object = { name: 'podinfo', namespace: 'team-a', phase: 'Progressing' }) =>
  request(h.server).post(`/api/delivery/gates/${path}`).set('Authorization', mockCredentials.none.header()).send(body);
const act = (h: Harness, ref: { cluster: string; namespace: string; name: string }, action: string, user: string, body: object) =>
  request(h.server)
    .post(`/api/delivery/canaries/${ref.cluster}/${ref.namespace}/${ref.name}/actions/${action}`)
    .set('Authorization', as(user))
    .send(body);

describe('gates and actions end to end on a test backend', () => {
  describe('upstream Flagger gate webhook, two required approvers', () => {
    let h: Harness;
    const ref = { cluster: 'edge', namespace: 'team-a', name: 'podinfo' };
    let observed: { observedPhase: string; observedResourceVersion: string };

    beforeAll(async () => {
      h = await startActionsBackend({ requiredApprovals: 2 });
      observed = h.seed(ref, canary(ref, 'WaitingPromotion', { webhooks: [
        { name: 'release-gate', type: 'confirm-promotion', url: 'http://backstage/api/delivery/gates/edge/edge-secret/confirm-promotion' },
      ] }));
    });

    it('answers 403 until two distinct users approved, then 200; a repeated approval changes nothing', async () => {
      const check = () => gateCheck(h, 'edge/edge-secret/confirm-promotion');
      expect((await check()).status).toBe(403);

      const first = await act(h, ref, 'approve', USERS.owner, { ...observed, gate: 'release-gate', comment: 'lgtm' });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ changed: true, gate: { state: 'pending', approvals: 1, required: 2 } });
      expect((await check()).status).toBe(403);

      const again = await act(h, ref, 'approve', USERS.owner, { ...observed, gate: 'release-gate' });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ changed: false, message: 'already approved by you' });
      expect((await check()).status).toBe(403);

      const second = await act(h, ref, 'approve', USERS.owner2, { ...observed, gate: 'release-gate' });
      expect(second.body).toMatchObject({ changed: true, gate: { state: 'open', approvals: 2 } });
      const open = await check();
      expect(open.status).toBe(200);
      expect(open.text).toBe('Approved');

      expect(h.kube.edge.events.filter(e => e.involved.name === 'podinfo').map(e => e.message)).toEqual([
        'confirm-promotion approved by user:default/owner (1 of 2) — "lgtm" (by user:default/owner)',
        'confirm-promotion approved by user:default/owner2 (2 of 2): gate open (by user:default/owner2)',
      ]);
    });

    it.each([
      ['edge/wrong-secret/confirm-promotion', 401],
      ['prod/edge-secret/confirm-promotion', 401],
      ['mars/anything/confirm-promotion', 404],
      ['edge/edge-secret/pre-rollout', 404],
    ])('POST /gates/%s answers %p and nothing more', async (path, status) => {
      const res = await gateCheck(h, path);
      expect(res.status).toBe(status);
      expect(res.text).not.toMatch(/podinfo|approv|owner/i);
    });

    it('answers an unknown canary as closed, and a payload without a name as a bad request', async () => {
      expect((await gateCheck(h, 'edge/edge-secret/confirm-promotion', { name: 'nope', namespace: 'team-a' })).status).toBe(403);
      expect((await gateCheck(h, 'edge/edge-secret/confirm-promotion', { namespace: 'team-a' })).status).toBe(400);
    });

    it('refuses promote-now on a cluster driven by upstream Flagger with the reason', async () => {
      const res = await act(h, ref, 'promote', USERS.admin, observed);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toBe(
        'promote now needs the Delivery reconciler; cluster edge is driven by upstream Flagger',
      );
    });
  });

  describe('our reconciler', () => {
    let h: Harness;
    beforeEach(async () => {
      h = await startActionsBackend();
    });

    it('answers the reconciler from the store: closed, then open once approved', async () => {
      const ref = { cluster: 'prod', namespace: 'team-a', name: 'podinfo' };
      const observed = h.seed(ref, canary(ref, 'WaitingPromotion'));
      const resolver = h.feature.gateResolver('prod');
      const live = () => h.kube.prod.get(KINDS.canary, 'team-a', 'podinfo') as never;
      expect(resolver.handles('http://backstage:7007/api/delivery/gates/confirm-promotion')).toBe(true);
      expect(await resolver.isOpen(live(), 'confirm-promotion')).toBe(false);
      expect((await act(h, ref, 'approve', USERS.owner, { ...observed, gate: 'release-gate' })).status).toBe(200);
      expect(await resolver.isOpen(live(), 'confirm-promotion')).toBe(true);
      // Another cluster's canary of the same name has its own gates.
      expect(await h.feature.gateResolver('edge').isOpen(live(), 'confirm-promotion')).toBe(false);
    });

    it('rolls back when the promotion is rejected: abort intent for the reconciler and the rollback gate open', async () => {
      const ref = { cluster: 'prod', namespace: 'team-a', name: 'podinfo' };
      const observed = h.seed(ref, canary(ref, 'WaitingPromotion'));
      const res = await act(h, ref, 'reject', USERS.owner, { ...observed, gate: 'release-gate', comment: 'p99 too high' });
      expect(res.status).toBe(200);
      const live = h.kube.prod.get(KINDS.canary, 'team-a', 'podinfo') as never;
      expect(readActionIntents(live).abort).toMatchObject({ actor: USERS.owner, comment: 'p99 too high', runKey: 'run:rev-2' });
      expect(await h.feature.gateResolver('prod').isOpen(live, 'rollback')).toBe(true);
      expect(await h.feature.gateResolver('prod').isOpen(live, 'confirm-promotion')).toBe(false);
      expect(h.kube.prod.events.map(e => [e.type, e.reason])).toEqual([['Warning', 'DeliveryReject']]);
      expect(h.audits.at(-1)).toMatchObject({
        status: 'success',
        meta: { actor: USERS.owner, entityRef: 'component:default/podinfo', action: 'reject', before: { phase: 'WaitingPromotion' } },
      });
    });

    it('acts for the entity page the user came from, and refuses an entity the canary does not belong to', async () => {
      const ref = { cluster: 'prod', namespace: 'team-a', name: 'podinfo' };
      const observed = h.seed(ref, canary(ref, 'Progressing'));
      const foreign = await act(h, ref, 'pause', USERS.owner, { ...observed, entityRef: 'component:default/billing' });
      expect(foreign.status).toBe(400);
      expect(foreign.body.error.message).toBe(
        'body.entityRef: canary prod/team-a/podinfo does not belong to component:default/billing; it belongs to component:default/podinfo',
      );
      expect(h.kube.prod.writes).toEqual([]);
      // The short form the catalog accepts is normalised to the full ref.
      expect((await act(h, ref, 'pause', USERS.owner, { ...observed, entityRef: 'podinfo' })).status).toBe(200);
      expect(h.audits.at(-1)).toMatchObject({ status: 'success', meta: { entityRef: 'component:default/podinfo', action: 'pause' } });
    });

    it('refuses with 409 when the canary moved on since the user looked, and writes nothing', async () => {
      const ref = { cluster: 'prod', namespace: 'team-a', name: 'podinfo' };
      const observed = h.seed(ref, canary(ref, 'Progressing'));
      h.seed(ref, canary(ref, 'WaitingPromotion'));
      const res = await act(h, ref, 'abort', USERS.admin, observed);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toBe('abort refused: the canary is now WaitingPromotion, you saw Progressing; reload and try again');
      expect(h.kube.prod.get(KINDS.canary, 'team-a', 'podinfo')?.metadata.annotations?.[ABORT_ANNOTATION]).toBeUndefined();
      expect(h.audits.at(-1)).toMatchObject({ status: 'fail', meta: { outcome: 'refused', actor: USERS.admin } });
      expect(h.actors).toEqual([
        {
          ref,
          actor: USERS.admin,
          action: 'abort',
          time: expect.any(String),
          outcome: 'refused',
          refusal: 'conflict',
          message: 'abort refused: the canary is now WaitingPromotion, you saw Progressing; reload and try again',
          phaseBefore: 'WaitingPromotion',
          weightBefore: 0,
        },
      ]);
    });

    it('keeps one history row per attempt: accepted with the state before and after, refused with its reason', async () => {
      const ref = { cluster: 'prod', namespace: 'team-a', name: 'podinfo' };
      const observed = h.seed(ref, canary(ref, 'Progressing', { weight: 30 }));
      const denied = await act(h, ref, 'pause', USERS.nobody, { ...observed, comment: 'stop it' });
      expect(denied.status).toBe(403);
      const paused = await act(h, ref, 'pause', USERS.owner, { ...observed, comment: 'holding for the demo' });
      expect(paused.status).toBe(200);
      // Not a refusal: the same user's double click changes nothing and adds no row.
      expect((await act(h, ref, 'pause', USERS.owner, { ...observed, observedRevision: 'rev-2' })).body.changed).toBe(false);
      // Callers that are not signed-in users leave no row, as they leave no actor in the audit event.
      const asService = await request(h.server)
        .post('/api/delivery/canaries/prod/team-a/podinfo/actions/resume')
        .set('Authorization', mockCredentials.service.header())
        .send(observed);
      expect(asService.status).toBe(403);

      expect(h.actors).toEqual([
        {
          ref,
          actor: USERS.nobody,
          action: 'pause',
          time: expect.any(String),
          comment: 'stop it',
          outcome: 'refused',
          refusal: 'forbidden',
          message: 'delivery.canary.operate is not granted to you for canary prod/team-a/podinfo',
          phaseBefore: 'Progressing',
          weightBefore: 30,
        },
        {
          ref,
          actor: USERS.owner,
          action: 'pause',
          time: expect.any(String),
          comment: 'holding for the demo',
          outcome: 'accepted',
          phaseBefore: 'Progressing',
          phaseAfter: 'Progressing',
          weightBefore: 30,
          weightAfter: 30,
        },
      ]);
    });

    it('pauses once on a double click, and lets progress of the same run pass the check', async () => {
      const ref = { cluster: 'prod', namespace: 'team-a', name: 'podinfo' };
      const observed = { ...h.seed(ref, canary(ref, 'Progressing')), observedRevision: 'rev-2' };
      const [a, b] = [
        await act(h, ref, 'pause', USERS.owner, observed),
        await act(h, ref, 'pause', USERS.owner, observed),
      ];
      expect([a.status, a.body.changed, b.status, b.body.changed]).toEqual([200, true, 200, false]);
      expect(h.kube.prod.get(KINDS.canary, 'team-a', 'podinfo')?.spec).toMatchObject({ suspend: true });
      expect(h.kube.prod.writes.filter(w => w.kind === 'Canary')).toHaveLength(1);
      // Without the revision a changed resourceVersion is refused.
      const { observedRevision: _r, ...bare } = observed;
      expect((await act(h, ref, 'resume', USERS.owner, bare)).status).toBe(409);
    });

    it('retries a Failed run by stamping the failed revision on the target, once', async () => {
      const ref = { cluster: 'prod', namespace: 'team-a', name: 'podinfo' };
      const observed = h.seed(ref, canary(ref, 'Failed'));
      expect((await act(h, ref, 'retry', USERS.owner, observed)).body.changed).toBe(true);
      expect((await act(h, ref, 'retry', USERS.owner, observed)).body.changed).toBe(false);
      const target = h.kube.prod.get(KINDS.deployment, 'team-a', 'podinfo') as never as {
        spec: { template: { metadata: { annotations: Record<string, string> } } };
      };
      expect(target.spec.template.metadata.annotations).toEqual({ 'delivery.backstage.io/retry-of': 'rev-2' });
    });

    it('offers actions in the canary details by permission: all for an owner, none for others', async () => {
      const ref = { cluster: 'prod', namespace: 'team-a', name: 'podinfo' };
      h.seed(ref, canary(ref, 'WaitingPromotion'));
      const details = (header: string) =>
        request(h.server).get('/api/delivery/canaries/prod/team-a/podinfo').set('Authorization', header);
      const owner = await details(as(USERS.owner));
      expect(owner.body.actions.map((a: { id: string }) => a.id)).toEqual(['approve', 'reject', 'promote', 'abort', 'pause']);
      expect(owner.body.actions[0]).toMatchObject({ gate: 'release-gate', label: 'Approve promotion' });
      expect((await details(as(USERS.otherNamespace))).body.actions).toEqual([]);
      expect((await details(as(USERS.nobody))).body.actions).toEqual([]);
      expect((await details(mockCredentials.service.header())).body.actions).toEqual([]);
    });
  });
});
