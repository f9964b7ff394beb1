/* eslint-disable @backstage/no-relative-monorepo-imports -- see fleet/deliveryBackend.ts */
import fs from 'node:fs';
import path from 'node:path';
import { AuthorizeResult, PolicyDecision } from '@backstage/plugin-permission-common';
import { DeliveryTestBackend, startDeliveryBackend } from '../fleet/deliveryBackend';
import { repoRoot } from '../lib/backend';
import { describeE2e } from '../lib/gate';
import { createEntityDeployment, gatedCanarySpec } from '../lib/gatedCanary';
import { ReconcilerEnv, SA_NAMESPACE, eventRecorder, weightRecorder } from '../lib/reconcilerEnv';

/**
 * The whole loop in one process: the real plugin (fleet, actions, reconciler with the StoreGateResolver) in a test
 * backend, against a local cluster where it runs as one least-privilege ServiceAccount bound to the aggregator,
 * reconciler and actions ClusterRoles of deploy/rbac. A confirm-promotion webhook pointing at the backend's gate
 * path is answered from the gate store; an approval through the action route opens it.
 */

jest.setTimeout(180_000);

const NS = 'approve';
const APPROVER = 'user:default/ann';
const STRANGER = 'user:default/mallory';
const SECOND = 'user:default/bob';
const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0';
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';

/** The ClusterRole document of a deploy/rbac file (its bindings name other ServiceAccounts). */
function clusterRoleOf(file: string): string {
  const docs = fs.readFileSync(path.join(repoRoot, 'plugins/delivery-backend/deploy/rbac', file), 'utf8').split(/^---$/m);
  return docs.find(d => /^kind:\s*ClusterRole\s*$/m.test(d))!;
}

describeE2e('actions: approving a promotion gate through the portal', () => {
  let env: ReconcilerEnv;
  let backend: DeliveryTestBackend | undefined;

  beforeAll(async () => {
    env = await ReconcilerEnv.start({ name: 'actions-approve' });
    await env.ensureNamespace(NS);
    // One token per cluster, as in the install guide: the reconciler's SA also gets the aggregator and actions roles.
    for (const file of ['aggregator-clusterrole.yaml', 'actions-clusterrole.yaml']) {
      const doc = clusterRoleOf(file);
      const name = /^\s+name:\s*(\S+)/m.exec(doc)![1];
      await env.must({ method: 'POST', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', body: doc, contentType: 'application/yaml' });
      await env.must({
        method: 'POST',
        path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: `${name}-test` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
          subjects: [{ kind: 'ServiceAccount', name: 'delivery-reconciler', namespace: SA_NAMESPACE }],
        },
      });
    }
    const token = await env.serviceAccountToken();
    const cluster = env.clusterConfig(token);
    backend = await startDeliveryBackend({
      clusters: [cluster],
      entities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: { name: 'podinfo', namespace: 'default', annotations: { 'backstage.io/kubernetes-id': 'podinfo' } },
          spec: { owner: 'team-a', type: 'service', lifecycle: 'production' },
        },
      ],
      // The approvers hold every permission on these canaries; the stranger none.
      decide: user => ({ result: [APPROVER, SECOND].includes(user) ? AuthorizeResult.ALLOW : AuthorizeResult.DENY }) as PolicyDecision,
      delivery: {
        reconciler: {
          enabled: true,
          namespaces: [NS],
          meshProvider: 'kubernetes',
          metricsServer: 'http://127.0.0.1:1',
          minIntervalSeconds: 1,
        },
      },
    });
  }, 240_000);

  afterAll(async () => {
    await backend?.stop();
    await env?.stop();
  }, 60_000);

  /** Deploys `name` as a workload of the podinfo entity (owned by team-a), so owners, audit and notices name it. */
  const entityDeployment = (name: string) => createEntityDeployment(env, NS, name, OLD, 'podinfo');

  /** A canary with a confirm-promotion gate on this backend, Initialized, then given a new image. */
  async function gated(name: string, annotations?: Record<string, string>) {
    await entityDeployment(name);
    await env.must({
      method: 'POST',
      path: `/apis/flagger.app/v1beta1/namespaces/${NS}/canaries`,
      body: { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name, namespace: NS, annotations }, spec: gatedCanarySpec(name) },
    });
    await env.waitPhase(NS, name, 'Initialized', 90_000);
    await env.setImage(NS, name, NEW);
  }

  it('waits at the gate, refuses a user without permission, and promotes on an authorized approval', async () => {
    const be = backend!;
    await gated('podinfo');
    const waiting = await env.waitPhase(NS, 'podinfo', 'WaitingPromotion', 90_000);

    const detailsPath = `/canaries/${env.cluster.name}/${NS}/podinfo`;
    // The portal offers the approval once the fleet has seen the phase and the entity index knows the owner.
    const offered = await env.waitFor(
      'approve offered to the approver',
      async () => {
        const d = await be.get(detailsPath, APPROVER);
        return d.status === 200 && d.body.actions?.some((a: any) => a.id === 'approve') && d.body;
      },
      60_000,
      500,
    );
    expect(offered.actions).toEqual(expect.arrayContaining([expect.objectContaining({ gate: 'release-gate' })]));

    const body = {
      observedPhase: 'WaitingPromotion',
      observedResourceVersion: waiting.metadata.resourceVersion,
      observedRevision: waiting.status!.lastAppliedSpec,
      gate: 'release-gate',
      comment: 'looks good',
    };
    const actionPath = `${detailsPath}/actions/approve`;

    const refused = await be.post(actionPath, body, STRANGER);
    expect(refused.status).toBe(403);
    // Several ticks later nothing moved: the gate is still closed.
    await new Promise(r => setTimeout(r, 3000));
    const still = await env.canary(NS, 'podinfo');
    expect(still.status?.phase).toBe('WaitingPromotion');
    expect((await env.deployment(NS, 'podinfo-primary')).spec.template.spec.containers[0].image).toBe(OLD);
    expect((await env.canaryEvents(NS, 'podinfo')).map(e => e.message).join('\n')).not.toContain(STRANGER);

    const approved = await be.post(actionPath, body, APPROVER);
    expect(approved).toMatchObject({
      status: 200,
      body: { action: 'approve', changed: true, gate: { type: 'confirm-promotion', state: 'open' } },
    });

    await env.waitPhase(NS, 'podinfo', 'Succeeded', 90_000);
    expect((await env.deployment(NS, 'podinfo-primary')).spec.template.spec.containers[0].image).toBe(NEW);

    const events = await env.canaryEvents(NS, 'podinfo');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'Normal', message: expect.stringMatching(/approved by user:default\/ann.*\(by user:default\/ann\)$/) }),
    );
    expect(events.map(e => e.message)).toContain('Confirm-promotion check release-gate passed');

    const run = await env.waitFor(
      'the run with its approver in the history',
      async () => {
        const d = await be.get(detailsPath, APPROVER);
        const r = d.body.runs?.find((x: any) => x.actors?.length);
        return r?.outcome === 'succeeded' && r;
      },
      60_000,
      500,
    );
    // The history shows what the audit log has: the refused attempt, muted in the tab, and the approval.
    expect(run.actors).toEqual([
      expect.objectContaining({ actor: STRANGER, action: 'approve', outcome: 'refused', refusal: 'forbidden', phaseBefore: 'WaitingPromotion' }),
      expect.objectContaining({
        actor: APPROVER,
        action: 'approve',
        comment: 'looks good',
        outcome: 'accepted',
        phaseBefore: 'WaitingPromotion',
        phaseAfter: 'WaitingPromotion',
      }),
    ]);

    // The owners heard of the wait, with a link to the tab, and of the promotion, which replaced that notice.
    const notices = await env.waitFor(
      'waiting and promoted notices for podinfo',
      async () => {
        const mine = be.notifications.filter(n => n.payload.topic === `delivery:${env.cluster.name}/${NS}/podinfo`);
        return mine.some(n => /promoted/.test(n.payload.title)) && mine;
      },
      30_000,
    );
    expect(notices.map(n => n.payload.title)).toEqual(['podinfo is waiting for approval to be promoted', `podinfo promoted in ${env.cluster.name}`]);
    for (const n of notices) {
      expect(n).toMatchObject({
        recipients: { type: 'entity', entityRef: 'component:default/podinfo' },
        payload: { link: '/catalog/default/component/podinfo/delivery', scope: notices[0].payload.scope },
      });
    }

    const audits = be.audits.filter(a => a.meta.canary === 'podinfo' && a.meta.action === 'approve');
    expect(audits.map(a => [a.status, a.meta.outcome, a.meta.actor])).toEqual([
      ['fail', 'refused', STRANGER],
      ['success', 'accepted', APPROVER],
    ]);
    expect(audits[1].meta).toMatchObject({
      entityRef: 'component:default/podinfo',
      cluster: env.cluster.name,
      namespace: NS,
      before: { phase: 'WaitingPromotion' },
      after: { phase: 'WaitingPromotion' },
      gate: { type: 'confirm-promotion', state: 'open' },
    });
  });

  /**
   * A Linkerd canary of 90 one-percent steps a second, no metrics: left alone it would advance for a minute and a
   * half, so where it stops shows what a portal action did. Returns it once it has taken a few steps.
   */
  async function progressing(name: string, minWeight: number) {
    await entityDeployment(name);
    await env.createCanary(NS, name, {
      provider: 'linkerd',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      service: { port: 9898 },
      analysis: { interval: '1s', threshold: 2, stepWeight: 1, maxWeight: 90 },
    });
    await env.waitPhase(NS, name, 'Initialized', 90_000);
    const weights = weightRecorder(env.observer(), NS, name);
    const events = eventRecorder(env.observer(), NS, name);
    await env.setImage(NS, name, NEW);
    const seen = await env.waitFor(
      `${name} at weight ${minWeight}`,
      async () => {
        const c = await env.canary(NS, name);
        return c.status?.phase === 'Progressing' && (c.status.canaryWeight ?? 0) >= minWeight && c;
      },
      90_000,
    );
    const observed = {
      observedPhase: 'Progressing',
      observedResourceVersion: seen.metadata.resourceVersion,
      observedRevision: seen.status!.lastAppliedSpec,
    };
    return { seen, observed, weights, events, path: `/canaries/${env.cluster.name}/${NS}/${name}` };
  }

  /** The run of the canary at `details` whose history names `actor`, once it reached `outcome`. */
  async function runWithActor(details: string, actor: string, outcome: string) {
    return env.waitFor(
      `the ${outcome} run naming ${actor} in the history`,
      async () => {
        const d = await backend!.get(details, APPROVER);
        const r = d.body.runs?.find((x: any) => x.actors?.some((a: any) => a.actor === actor));
        return r?.outcome === outcome && r;
      },
      60_000,
      500,
    );
  }

  it('promote now skips the remaining steps: Promoting, then Succeeded, naming who asked', async () => {
    const be = backend!;
    const c = await progressing('hotfix', 3);
    expect((await be.post(`${c.path}/actions/promote`, { ...c.observed }, STRANGER)).status).toBe(403);

    const res = await be.post(`${c.path}/actions/promote`, { ...c.observed, comment: 'hotfix, skip the wait' }, APPROVER);
    expect(res).toMatchObject({ status: 200, body: { action: 'promote', changed: true, before: { phase: 'Progressing' } } });
    await env.waitPhase(NS, 'hotfix', 'Succeeded', 60_000);
    c.weights.stop();
    c.events.stop();

    // It stopped stepping within a tick or two of the request, far below maxWeight, and promoted the new image.
    const top = Math.max(...c.weights.weights.map(w => w.canary));
    expect(top).toBeLessThan(c.seen.status!.canaryWeight + 5);
    expect(await env.trafficSplitWeights(NS, 'hotfix')).toEqual({ primary: 100, canary: 0 });
    expect((await env.deployment(NS, 'hotfix-primary')).spec.template.spec.containers[0].image).toBe(NEW);

    const messages = c.events.seen.map(e => e.message);
    expect(messages).toContain(`promotion of ${env.cluster.name}/${NS}/hotfix requested — "hotfix, skip the wait" (by ${APPROVER})`);
    expect(messages).toContain(
      `Promoting hotfix.${NS} now, skipping the remaining analysis: requested by ${APPROVER} — "hotfix, skip the wait"`,
    );
    expect(messages.filter(m => m.startsWith(`Advance hotfix.${NS} canary weight`)).length).toBeLessThan(top + 1);
    expect(messages.join('\n')).not.toContain(STRANGER);

    const run = await runWithActor(c.path, APPROVER, 'succeeded');
    expect(run.actors).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor: APPROVER, action: 'promote', comment: 'hotfix, skip the wait' })]),
    );
    const audits = be.audits.filter(a => a.meta.canary === 'hotfix');
    expect(audits.map(a => [a.status, a.meta.outcome, a.meta.actor])).toEqual([
      ['fail', 'refused', STRANGER],
      ['success', 'accepted', APPROVER],
    ]);
  });

  it('pause holds the weight, resume goes on, abort rolls back to the primary, retry starts the same revision again', async () => {
    const be = backend!;
    const c = await progressing('halt', 2);

    const paused = await be.post(`${c.path}/actions/pause`, { ...c.observed }, APPROVER);
    expect(paused).toMatchObject({ status: 200, body: { changed: true } });
    const held = (await env.canary(NS, 'halt')).status!.canaryWeight;
    // Several intervals later the weight has not moved (at most one tick already under way finished).
    await new Promise(r => setTimeout(r, 4000));
    const afterPause = (await env.canary(NS, 'halt')).status!.canaryWeight;
    expect(afterPause).toBeLessThanOrEqual(held + 1);
    await new Promise(r => setTimeout(r, 3000));
    expect((await env.canary(NS, 'halt')).status!.canaryWeight).toBe(afterPause);

    const resumed = await be.post(`${c.path}/actions/resume`, { ...c.observed }, APPROVER);
    expect(resumed).toMatchObject({ status: 200, body: { changed: true } });
    await env.waitFor('halt stepping again', async () => (await env.canary(NS, 'halt')).status!.canaryWeight > afterPause, 30_000);

    expect((await be.post(`${c.path}/actions/abort`, { ...c.observed }, STRANGER)).status).toBe(403);
    const aborted = await be.post(`${c.path}/actions/abort`, { ...c.observed, comment: 'error budget burnt' }, APPROVER);
    expect(aborted).toMatchObject({ status: 200, body: { action: 'abort', changed: true } });
    const failed = await env.waitPhase(NS, 'halt', 'Failed', 60_000);
    expect(failed.status).toMatchObject({ canaryWeight: 0 });
    expect(await env.trafficSplitWeights(NS, 'halt')).toEqual({ primary: 100, canary: 0 });
    expect((await env.deployment(NS, 'halt-primary')).spec.template.spec.containers[0].image).toBe(OLD);
    expect(Math.max(...c.weights.weights.map(w => w.canary))).toBeLessThan(90);

    const warnings = c.events.seen.filter(e => e.type === 'Warning').map(e => e.message);
    expect(warnings).toContain(`Rolling back halt.${NS}: aborted by ${APPROVER} — "error budget burnt"`);
    expect(warnings).toContainEqual(expect.stringMatching(new RegExp(`^rollback of .*halt requested by ${APPROVER}.*\\(by ${APPROVER}\\)$`)));
    const normal = c.events.seen.filter(e => e.type === 'Normal').map(e => e.message);
    expect(normal).toContain(`${env.cluster.name}/${NS}/halt paused by ${APPROVER} (by ${APPROVER})`);
    expect(normal).toContain(`${env.cluster.name}/${NS}/halt resumed by ${APPROVER} (by ${APPROVER})`);

    const failedNotice = await env.waitFor(
      'a failed notice for halt',
      async () => be.notifications.find(n => n.payload.topic === `delivery:${env.cluster.name}/${NS}/halt` && /failed/.test(n.payload.title)),
      30_000,
    );
    expect(failedNotice.payload).toMatchObject({ severity: 'high', link: '/catalog/default/component/podinfo/delivery' });
    expect(failedNotice.payload.description).toMatch(/rolled back \(failed checks \d+\/2, canary weight reached \d+%\)\. Reason: /);

    const run = await runWithActor(c.path, APPROVER, 'failed');
    expect(run.actors.map((a: any) => [a.actor, a.action])).toEqual(
      expect.arrayContaining([[APPROVER, 'pause'], [APPROVER, 'resume'], [APPROVER, 'abort']]),
    );
    const audited = be.audits.filter(a => a.meta.canary === 'halt').map(a => [a.meta.action, a.status, a.meta.actor]);
    expect(audited).toEqual([
      ['pause', 'success', APPROVER],
      ['resume', 'success', APPROVER],
      ['abort', 'fail', STRANGER],
      ['abort', 'success', APPROVER],
    ]);

    // Retry: the same revision runs again, without a new image.
    const retried = await be.post(
      `${c.path}/actions/retry`,
      { observedPhase: 'Failed', observedResourceVersion: failed.metadata.resourceVersion, observedRevision: failed.status!.lastAppliedSpec },
      APPROVER,
    );
    expect(retried).toMatchObject({ status: 200, body: { action: 'retry', changed: true } });
    await env.waitFor('halt progressing again', async () => (await env.canary(NS, 'halt')).status?.phase === 'Progressing', 60_000);
    const target = await env.deployment(NS, 'halt');
    expect(target.spec.template.spec.containers[0].image).toBe(NEW);
    expect(target.spec.template.metadata.annotations).toMatchObject({ 'delivery.backstage.io/retry-of': failed.status!.lastAppliedSpec });
    c.weights.stop();
    c.events.stop();
  });

  it('with two required approvers, one approval is not enough: the second promotes', async () => {
    const be = backend!;
    await gated('pair', { 'delivery.backstage.io/required-approvals': '2' });
    const waiting = await env.waitPhase(NS, 'pair', 'WaitingPromotion', 90_000);
    const body = {
      observedPhase: 'WaitingPromotion',
      observedResourceVersion: waiting.metadata.resourceVersion,
      observedRevision: waiting.status!.lastAppliedSpec,
      gate: 'release-gate',
    };
    const approve = `/canaries/${env.cluster.name}/${NS}/pair/actions/approve`;
    const first = await be.post(approve, body, APPROVER);
    expect(first).toMatchObject({ status: 200, body: { changed: true, gate: { state: 'pending', approvals: 1, required: 2 } } });
    // The same approver again counts once.
    expect(await be.post(approve, body, APPROVER)).toMatchObject({ status: 200, body: { changed: false } });
    await new Promise(r => setTimeout(r, 3000));
    expect((await env.canary(NS, 'pair')).status?.phase).toBe('WaitingPromotion');

    const second = await be.post(approve, body, SECOND);
    expect(second).toMatchObject({ status: 200, body: { changed: true, gate: { state: 'open', approvals: 2, required: 2 } } });
    await env.waitPhase(NS, 'pair', 'Succeeded', 90_000);
    // The list call does not promise creation order.
    const approvals = (await env.canaryEvents(NS, 'pair')).map(e => e.message).filter(m => m.includes('approved by'));
    expect(approvals.sort()).toEqual([
      `confirm-promotion approved by ${APPROVER} (1 of 2) (by ${APPROVER})`,
      `confirm-promotion approved by ${SECOND} (2 of 2): gate open (by ${SECOND})`,
    ]);
  });
});
