import fs from 'node:fs';
import path from 'node:path';
import { startCluster, type Cluster } from '@internal/cluster-harness';
import type { Browser, Locator, Page } from 'playwright-core';
import { RunningBackend, repoRoot, startBackend } from '../lib/backend';
import { launchChromium, screenshot, signInAsGuest } from '../lib/browser';
import { describeE2e } from '../lib/gate';
import { ClusterObjects, NEW_IMAGE, NEXT_IMAGE, seedFleet } from './podinfoCluster';

jest.setTimeout(240_000);

/**
 * The Delivery tab and the fleet page in Chromium, against the built app served by the real backend, which watches
 * one local cluster. No reconciler runs: the test writes every object and status a controller would, so each state
 * on screen is known exactly and reached in milliseconds.
 */

const VIEWPORT = { width: 1280, height: 900 };
const TAB = '/catalog/default/component/podinfo/delivery';
const PODINFO = 'canary dev/test/podinfo';
// An open details panel learns of a change only through the signal (the slow resync re-reads the list alone), and
// the signal is fast; this bound only keeps a broken websocket from hanging the suite.
const LIVE_MS = 20_000;
// With Signals the tab still re-reads its list every 4 poll intervals, for what no signal announces (cluster health).
const POLL_SECONDS = 3;
const RESYNC_MS = POLL_SECONDS * 4 * 1000;
const PROGRESSING = 'New revision detected, progressing canary analysis.';
const SUCCEEDED = 'Canary analysis completed successfully, promotion finished.';
const FAILED = 'Canary analysis failed, Deployment scaled to zero.';

/**
 * What the page's Signals socket did on the `delivery:canary` channel. The app's signals client may open a first
 * socket that never subscribes and reconnects a few seconds later; a message sent before it subscribed is lost
 * (the tab's resync heals that), so a test of the signal path waits for the subscription first.
 */
class SignalTap {
  private subscribed = false;
  readonly messages: string[] = [];

  constructor(page: Page) {
    page.on('websocket', ws => {
      if (!ws.url().endsWith('/api/signals')) return;
      ws.on('framesent', f => {
        if (String(f.payload).includes('"subscribe","channel":"delivery:canary"')) this.subscribed = true;
      });
      ws.on('framereceived', f => {
        if (String(f.payload).includes('delivery:canary')) this.messages.push(String(f.payload));
      });
      ws.on('close', () => {
        this.subscribed = false;
      });
    });
  }

  async untilSubscribed(): Promise<void> {
    await until('a delivery:canary subscription on the signals socket', () => this.subscribed, 30_000);
  }

  async untilMessage(fragment: string): Promise<void> {
    await until(`a delivery:canary message containing ${fragment}`, () => this.messages.some(m => m.includes(fragment)), LIVE_MS);
  }
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

/** The whole details panel: Backstage scrolls inside the page, so a full-page shot needs a tall window. */
async function tallScreenshot(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: VIEWPORT.width, height: 2400 });
  await screenshot(page, name);
  await page.setViewportSize(VIEWPORT);
}

async function meterValue(meter: Locator): Promise<number> {
  return Number(await meter.getAttribute('aria-valuenow'));
}

async function waitForMeter(meter: Locator, value: number): Promise<void> {
  const deadline = Date.now() + LIVE_MS;
  let last = NaN;
  while (Date.now() < deadline) {
    last = await meterValue(meter).catch(() => NaN);
    if (last === value) return;
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`${await meter.getAttribute('aria-label')} stayed at ${last}, expected ${value}`);
}

describeE2e('Delivery UI against a local cluster', () => {
  let cluster: Cluster;
  let k: ClusterObjects;
  let backend: RunningBackend;
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(repoRoot, 'packages/app/dist/index.html'))) {
      throw new Error('packages/app/dist is missing: run `yarn workspace app build` (scripts/test.sh does)');
    }
    cluster = await startCluster({ name: 'ui-dev' });
    k = new ClusterObjects(cluster);
    await seedFleet(k);

    backend = await startBackend({
      config: {
        delivery: {
          clusters: [{ name: 'dev', url: cluster.server, serviceAccountToken: cluster.token, caData: cluster.caData }],
          reconciler: { enabled: false },
          pollIntervalSeconds: POLL_SECONDS,
        },
      },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await backend?.stop();
    await cluster?.stop();
  });

  let signals: SignalTap;

  async function openTab(): Promise<Page> {
    const page = await browser.newPage({ viewport: VIEWPORT });
    signals = new SignalTap(page);

    await page.goto(`${backend.baseUrl}${TAB}`);
    await signInAsGuest(page);
    await page.getByRole('article', { name: PODINFO }).waitFor({ timeout: 60_000 });
    return page;
  }

  let tab: Page;
  const card = () => tab.getByRole('article', { name: PODINFO });
  const meter = (name: 'canary weight' | 'router weights') => card().getByRole('meter', { name });
  const currentStep = () => card().getByLabel('planned steps').locator('[aria-current="step"]');

  it('shows a progressing canary and follows its weight from 20 to 30 live, keeping the panel open', async () => {
    tab = await openTab();
    await card().getByLabel('phase: Progressing').waitFor();
    expect(await tab.getByText('Updates live.').isVisible()).toBe(true);
    expect(await meterValue(meter('canary weight'))).toBe(20);
    // The only canary of the entity opens by itself; its planned steps mark 20 % as the current one.
    const details = card().getByRole('button', { name: 'Details' });
    expect(await details.getAttribute('aria-expanded')).toBe('true');
    await currentStep().waitFor();
    expect(await currentStep().innerText()).toMatch(/\b20%\s+current$/);
    await waitForMeter(meter('router weights'), 20);
    await card().getByText('Advance podinfo.test canary weight 20').waitFor();
    await screenshot(tab, 'ui-progressing');

    // A page reload would reset this marker; a live update keeps it.
    await tab.evaluate(() => {
      (window as unknown as { deliveryMarker: number }).deliveryMarker = 42;
    });
    await signals.untilSubscribed();
    await k.trafficSplit('test', 'podinfo', 30);
    await k.event('test', 'podinfo', 'Normal', 'Synced', 'Advance podinfo.test canary weight 30');
    await k.status('test', 'podinfo', { phase: 'Progressing', canaryWeight: 30, message: PROGRESSING });
    await signals.untilMessage('"name":"podinfo"');

    await waitForMeter(meter('canary weight'), 30);
    await waitForMeter(meter('router weights'), 30);
    await card().getByText('Advance podinfo.test canary weight 30').waitFor({ timeout: LIVE_MS });
    expect(await currentStep().innerText()).toMatch(/\b30%\s+current$/);
    expect(await details.getAttribute('aria-expanded')).toBe('true');
    expect(await tab.evaluate(() => (window as unknown as { deliveryMarker?: number }).deliveryMarker)).toBe(42);
    await screenshot(tab, 'ui-progressing-30');
    await tallScreenshot(tab, 'ui-progressing-details');
  });

  it('shows waiting for approval, success, then a failed run with the failing metric, each live', async () => {
    await k.trafficSplit('test', 'podinfo', 50);
    await k.event('test', 'podinfo', 'Warning', 'Synced', 'Halt podinfo.test advancement waiting for promotion approval confirm-promotion');
    await k.status('test', 'podinfo', { phase: 'WaitingPromotion', canaryWeight: 50, message: 'Waiting for promotion approval.' });
    await card().getByLabel('phase: Waiting for promotion').waitFor({ timeout: LIVE_MS });
    await waitForMeter(meter('canary weight'), 50);
    expect(await currentStep().innerText()).toMatch(/Approval: confirm-promotion\s+waiting for approval$/);
    await screenshot(tab, 'ui-waiting-promotion');

    // Approved and promoted: the primary runs the new image.
    await k.setImage('test', 'podinfo-primary', NEW_IMAGE);
    await k.trafficSplit('test', 'podinfo', 0);
    await k.event('test', 'podinfo', 'Normal', 'Synced', 'Promotion completed! Scaling down podinfo.test');
    await k.status('test', 'podinfo', { phase: 'Succeeded', canaryWeight: 0, message: SUCCEEDED });
    await card().getByLabel('phase: Succeeded').waitFor({ timeout: LIVE_MS });
    await card().getByText('(same as primary)').waitFor({ timeout: LIVE_MS });
    await card().getByText('promoted: all traffic on the primary').waitFor();
    await screenshot(tab, 'ui-succeeded');

    // The next revision fails its success-rate check at 30 % and is rolled back.
    await k.setImage('test', 'podinfo', NEXT_IMAGE);
    for (const weight of [10, 20, 30]) {
      await k.trafficSplit('test', 'podinfo', weight);
      await k.status('test', 'podinfo', { phase: 'Progressing', canaryWeight: weight, message: PROGRESSING });
      await waitForMeter(meter('canary weight'), weight);
    }
    const halt = 'Halt podinfo.test advancement success rate 61.39% < 99%';
    await k.event('test', 'podinfo', 'Warning', 'Synced', halt);
    await k.status('test', 'podinfo', { phase: 'Progressing', canaryWeight: 30, failedChecks: 5, message: PROGRESSING });
    await k.event('test', 'podinfo', 'Warning', 'Synced', 'Rolling back podinfo.test failed checks threshold reached 5');
    await k.event('test', 'podinfo', 'Warning', 'Synced', 'Canary failed! Scaling down podinfo.test');
    await k.trafficSplit('test', 'podinfo', 0);
    await k.status('test', 'podinfo', { phase: 'Failed', canaryWeight: 0, message: FAILED });
    await card().getByLabel('phase: Failed').waitFor({ timeout: LIVE_MS });
    await card().getByText('rolled back: all traffic on the primary').waitFor({ timeout: LIVE_MS });
    // The controller's message: its condition, or a Warning event written in the same second (the backend's rule).
    await card()
      .getByText(new RegExp(`^(${FAILED}|Canary failed! Scaling down podinfo\\.test)$`))
      .first()
      .waitFor({ timeout: LIVE_MS });
    await card().getByRole('table', { name: 'events timeline' }).getByText(halt, { exact: true }).waitFor({ timeout: LIVE_MS });
    // The failing number is shown with its metric, not only in the event list.
    const successRate = card().getByRole('region', { name: 'metric request-success-rate' });
    expect(await successRate.innerText()).toMatch(/success rate 61\.39% < 99%/);
    expect(await successRate.innerText()).toMatch(/threshold ≥ 99%/);
    await waitForMeter(meter('canary weight'), 0);
    expect(await currentStep().innerText()).toMatch(/\b30%\s+failed here$/);
    await screenshot(tab, 'ui-failed');
    await tallScreenshot(tab, 'ui-failed-details');
  });

  it('filters the fleet page to the canaries that need attention', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(`${backend.baseUrl}/delivery`);
    await signInAsGuest(page);
    const table = page.getByRole('table', { name: 'canaries' });
    await table.waitFor({ timeout: 60_000 });
    const rowNames = async () => {
      const names = await table.locator('tbody tr').evaluateAll(rows =>
        rows.map(r => r.querySelector('td')?.textContent?.trim() ?? ''),
      );
      return names.sort();
    };
    await page.getByRole('row', { name: /checkout/ }).waitFor();
    expect(await rowNames()).toEqual(['cart', 'checkout', 'frontend', 'podinfo', 'search']);

    const strip = page.getByRole('group', { name: 'cluster health' });
    expect(await strip.innerText()).toMatch(/dev: synced \(5\)/);
    const counts = await page.getByRole('group', { name: 'canaries per phase' }).innerText();
    expect(counts.split('\n').map(c => c.trim()).filter(Boolean).sort()).toEqual([
      'Failed: 2',
      'Progressing: 1',
      'Succeeded: 1',
      'Waiting for promotion: 1',
    ]);
    await screenshot(page, 'ui-fleet');

    await page.getByRole('checkbox', { name: 'Needs attention' }).check();
    await page.waitForURL(/needsAttention/);
    await page.getByRole('row', { name: /cart/ }).waitFor({ state: 'detached', timeout: 10_000 });
    expect(await rowNames()).toEqual(['checkout', 'frontend', 'podinfo']);
    await screenshot(page, 'ui-fleet-needs-attention');
    await page.close();
  });

  it('shows one banner when the cluster becomes unreachable under an open tab, and only one', async () => {
    const banners = tab.locator('[data-cluster="dev"]');
    expect(await banners.count()).toBe(0);
    await cluster.stopApiserver();
    try {
      // No canary changes, so no signal comes: the tab's resync must show it.
      await banners.first().waitFor({ timeout: RESYNC_MS + 30_000 });
      expect(await banners.count()).toBe(1);
      expect(await banners.innerText()).toMatch(/Cluster dev is unreachable; showing what it last reported/);
      // What the backend last received stays on screen under the banner.
      await card().getByLabel('phase: Failed').waitFor();
      await screenshot(tab, 'ui-cluster-unreachable');
      // Another resync with the same state, and a reload, never add a second banner.
      await tab.waitForResponse(r => r.url().includes('/api/delivery/entity-canaries'), { timeout: RESYNC_MS + 10_000 });
      expect(await banners.count()).toBe(1);
      await tab.reload();
      await banners.first().waitFor({ timeout: 60_000 });
      expect(await banners.count()).toBe(1);
    } finally {
      await cluster.startApiserver();
    }
  });
});
