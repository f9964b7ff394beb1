/* eslint-disable @backstage/no-relative-monorepo-imports -- see fleet/deliveryBackend.ts */
import fs from 'node:fs';
import path from 'node:path';
import { AuthorizeResult, PolicyDecision } from '@backstage/plugin-permission-common';
import { DeliveryTestBackend, startDeliveryBackend } from '../fleet/deliveryBackend';
import { repoRoot } from '../lib/backend';
import { describeE2e } from '../lib/gate';
import { ReconcilerEnv, SA_NAMESPACE } from '../lib/reconcilerEnv';

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
      // The approver holds every permission on this canary; the stranger none.
      decide: user => ({ result: user === APPROVER ? AuthorizeResult.ALLOW : AuthorizeResult.DENY }) as PolicyDecision,
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

  it('waits at the gate, refuses a user without permission, and promotes on an authorized approval', async () => {
    const be = backend!;
    await env.createDeployment(NS, 'podinfo', OLD);
    await env.must({
      method: 'POST',
      path: `/apis/flagger.app/v1beta1/namespaces/${NS}/canaries`,
      body: {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        metadata: { name: 'podinfo', namespace: NS, labels: { 'backstage.io/kubernetes-id': 'podinfo' } },
        spec: {
          provider: 'kubernetes',
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
          service: { port: 9898 },
          analysis: {
            interval: '1s',
            threshold: 2,
            iterations: 2,
            // Never called over HTTP: the reconciler answers gate URLs of this backend from the gate store.
            webhooks: [
              { name: 'release-gate', type: 'confirm-promotion', url: 'http://127.0.0.1:1/api/delivery/gates/confirm-promotion' },
            ],
          },
        },
      },
    });
    await env.waitPhase(NS, 'podinfo', 'Initialized', 90_000);
    await env.setImage(NS, 'podinfo', NEW);
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
    expect(run.actors).toEqual([expect.objectContaining({ actor: APPROVER, action: 'approve', comment: 'looks good' })]);
  });
});
