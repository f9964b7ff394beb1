import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { RunningBackend, repoRoot, startBackend } from '../lib/backend';
import { launchChromium, screenshot, signInAsGuest } from '../lib/browser';
import { describeE2e } from '../lib/gate';
import { createEntityDeployment, gatedCanarySpec } from '../lib/gatedCanary';
import { ReconcilerEnv } from '../lib/reconcilerEnv';

jest.setTimeout(300_000);

/**
 * Approving a gated canary from the Delivery tab, in Chromium, against the built app and the real backend (real
 * permission framework with packages/backend's policy, real catalog, our reconciler). The app signs in with the
 * guest provider only, whose identity is fixed per backend by config; two users therefore need two backends over
 * the same cluster: the owner's (reconciler on) and a stranger's (reconciler off, so it only watches).
 */

const VIEWPORT = { width: 1280, height: 900 };
// catalog-info.yaml: podinfo, kubernetes-id podinfo in namespace test, owned by group:default/team-podinfo, of which
// the catalog user user:default/guest is a member (examples/org.yaml).
const NS = 'test';
const TAB = '/catalog/default/component/podinfo/delivery';
const ENTITY = 'component:default/podinfo';
const OWNER = 'user:default/guest';
const STRANGER = 'user:default/mallory';
const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0';
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';
// The entity index refreshes every 30 s: that bounds how long until owners (and so Approve) are known.
const OFFER_MS = 90_000;
const MOVES_ON = /^phase: (Promoting|Finalising|Succeeded)$/;

/** The Backstage token a page sends to the Delivery API: what that user's own API calls carry. */
function tokenTap(page: Page): () => string | undefined {
  let token: string | undefined;
  page.on('request', r => {
    const auth = r.headers().authorization;
    if (r.url().includes('/api/delivery/') && auth?.startsWith('Bearer ')) token = auth;
  });
  return () => token;
}

async function api(
  backend: RunningBackend,
  authorization: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${backend.baseUrl}/api/delivery${p}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: authorization, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: await res.json() };
}

describeE2e('Approve in the Delivery tab', () => {
  let env: ReconcilerEnv;
  let owners: RunningBackend;
  let strangers: RunningBackend;
  let browser: Browser;
  let card: string;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(repoRoot, 'packages/app/dist/index.html'))) {
      throw new Error('packages/app/dist is missing: run `yarn workspace app build` (scripts/test.sh does)');
    }
    env = await ReconcilerEnv.start({ name: 'ui-approve' });
    await env.ensureNamespace(NS);
    card = `canary ${env.cluster.name}/${NS}/podinfo`;
    // Admin credentials: the least-privilege ServiceAccount is proven by actions/approve.test.ts.
    const cluster = { name: env.cluster.name, url: env.cluster.server, serviceAccountToken: env.cluster.token, caData: env.cluster.caData };
    // Ownership as the app config states it, should sign-in come before the catalog has read the org.
    const guest = (userEntityRef: string, groups: string[] = []) => ({
      auth: { providers: { guest: { userEntityRef, ownershipEntityRefs: [userEntityRef, ...groups] } } },
    });
    [owners, strangers] = await Promise.all([
      startBackend({
        config: {
          ...guest(OWNER, ['group:default/team-podinfo']),
          delivery: {
            clusters: [cluster],
            reconciler: { enabled: true, namespaces: [NS], meshProvider: 'kubernetes', metricsServer: 'http://127.0.0.1:1', minIntervalSeconds: 1 },
            pollIntervalSeconds: 3,
          },
        },
      }),
      startBackend({
        config: { ...guest(STRANGER), delivery: { clusters: [cluster], reconciler: { enabled: false }, pollIntervalSeconds: 3 } },
      }),
    ]);
    browser = await launchChromium();
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    await owners?.stop();
    await strangers?.stop();
    await env?.stop();
  }, 60_000);

  it('offers Approve to the owner only, asks first, and the canary moves on without a reload', async () => {
    await createEntityDeployment(env, NS, 'podinfo', OLD, 'podinfo');
    await env.createCanary(NS, 'podinfo', gatedCanarySpec('podinfo'));
    await env.waitPhase(NS, 'podinfo', 'Initialized', 90_000);
    await env.setImage(NS, 'podinfo', NEW);
    const waiting = await env.waitPhase(NS, 'podinfo', 'WaitingPromotion', 90_000);

    // --- the stranger: sees the canary waiting, no Approve; the API refuses them ---
    const strangerPage = await browser.newPage({ viewport: VIEWPORT });
    const strangerToken = tokenTap(strangerPage);
    await strangerPage.goto(`${strangers.baseUrl}${TAB}`);
    await signInAsGuest(strangerPage);
    const strangerCard = strangerPage.getByRole('article', { name: card });
    await strangerCard.getByLabel('phase: Waiting for promotion').waitFor({ timeout: OFFER_MS });
    const detailsPath = `/canaries/${env.cluster.name}/${NS}/podinfo`;
    // Absence only means something once the stranger's backend knows the canary's entity (and so its owners).
    const seen = await env.waitFor(
      "the stranger's backend matching the canary to its entity",
      async () => {
        const d = await api(strangers, strangerToken()!, detailsPath);
        return d.status === 200 && d.body.entityRefs?.includes(ENTITY) && d.body;
      },
      OFFER_MS,
      1000,
    );
    expect(seen.actions ?? []).toEqual([]);
    await strangerPage.reload();
    await strangerCard.getByLabel('phase: Waiting for promotion').waitFor({ timeout: 60_000 });
    await strangerCard.getByRole('region', { name: 'Progress' }).waitFor({ timeout: 60_000 });
    expect(await strangerCard.getByRole('group', { name: 'canary actions' }).count()).toBe(0);
    expect(await strangerPage.getByRole('button', { name: /approve/i }).count()).toBe(0);
    await screenshot(strangerPage, 'ui-approve-stranger');

    const approveBody = {
      observedPhase: 'WaitingPromotion',
      observedResourceVersion: waiting.metadata.resourceVersion,
      observedRevision: waiting.status!.lastAppliedSpec,
      gate: 'release-gate',
    };
    const refused = await api(strangers, strangerToken()!, `${detailsPath}/actions/approve`, approveBody);
    expect(refused.status).toBe(403);
    await strangerPage.close();

    // --- the owner: Approve is offered, asks for confirmation, and the page follows the canary on ---
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(`${owners.baseUrl}${TAB}`);
    await signInAsGuest(page);
    const ownerCard = page.getByRole('article', { name: card });
    await ownerCard.getByLabel('phase: Waiting for promotion').waitFor({ timeout: 60_000 });
    const approve = ownerCard.getByRole('group', { name: 'canary actions' }).getByRole('button', { name: 'Approve promotion' });
    // Owners become known with the entity index; the tab shows the button once its details are re-read.
    await env.waitFor(
      'the Approve button for the owner',
      async () => {
        if (await approve.isVisible()) return true;
        await page.reload();
        await ownerCard.getByLabel('phase: Waiting for promotion').waitFor({ timeout: 60_000 });
        return approve.waitFor({ timeout: 10_000 }).then(
          () => true,
          () => false,
        );
      },
      OFFER_MS,
      0,
    );
    // A reload would lose this marker; a live update keeps it.
    await page.evaluate(() => {
      (window as unknown as { approveMarker: number }).approveMarker = 7;
    });
    let navigations = 0;
    page.on('framenavigated', f => {
      if (f === page.mainFrame()) navigations += 1;
    });

    await approve.click();
    const dialog = page.getByRole('dialog', { name: 'Approve promotion' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain(`Approve the promotion of ${env.cluster.name}/${NS}/podinfo?`);
    // Opening the dialog decides nothing: the gate is still closed.
    await new Promise(r => setTimeout(r, 2000));
    expect((await env.canary(NS, 'podinfo')).status?.phase).toBe('WaitingPromotion');
    await screenshot(page, 'ui-approve-confirm');

    // By role: builds before the comment field had an id (ActionsBar) did not link its label to it.
    await dialog.getByRole('textbox').fill('ship it');
    await dialog.getByRole('button', { name: 'Approve promotion' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 20_000 });
    await ownerCard.getByLabel(MOVES_ON).first().waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { approveMarker?: number }).approveMarker)).toBe(7);
    expect(navigations).toBe(0);
    expect(await approve.count()).toBe(0);
    await screenshot(page, 'ui-approve-moving-on');

    // The cluster agrees, and kubectl users see who approved.
    await env.waitPhase(NS, 'podinfo', 'Succeeded', 90_000);
    expect((await env.deployment(NS, 'podinfo-primary')).spec.template.spec.containers[0].image).toBe(NEW);
    const events = (await env.canaryEvents(NS, 'podinfo')).map(e => e.message);
    expect(events).toContainEqual(expect.stringMatching(/approved by user:default\/guest.*"ship it".*\(by user:default\/guest\)$/));
    expect(events.join('\n')).not.toContain(STRANGER);
    await ownerCard.getByLabel('phase: Succeeded').waitFor({ timeout: 60_000 });
    expect(navigations).toBe(0);
    await page.close();
  });
});
