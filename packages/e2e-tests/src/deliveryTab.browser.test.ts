import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { RunningBackend, repoRoot, startBackend } from './lib/backend';
import { launchChromium, screenshot, signInAsGuest } from './lib/browser';
import { describeE2e } from './lib/gate';

jest.setTimeout(300_000);

describeE2e('Delivery tab in Chromium', () => {
  let backend: RunningBackend;
  let browser: Browser;

  beforeAll(async () => {
    // The backend serves the production build of packages/app (scripts/test.sh builds it first).
    if (!fs.existsSync(path.join(repoRoot, 'packages/app/dist/index.html'))) {
      throw new Error('packages/app/dist is missing: run `yarn workspace app build` (scripts/test.sh does)');
    }
    backend = await startBackend({});
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await backend?.stop();
  });

  it('renders the podinfo Delivery tab after a guest sign-in', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('response', r => {
      if (r.url().includes('/api/delivery/') && r.status() >= 400) {
        // eslint-disable-next-line no-console
        console.warn(`delivery API ${r.status()} ${r.url()}`);
      }
    });
    await page.goto(`${backend.baseUrl}/catalog/default/component/podinfo/delivery`);
    await signInAsGuest(page);
    // The entity page header and our tab, selected.
    await page.getByRole('tab', { name: 'Delivery' }).waitFor({ timeout: 60_000 });
    expect(await page.getByRole('tab', { name: 'Delivery' }).getAttribute('aria-selected')).toBe('true');
    await page.getByText('podinfo', { exact: true }).first().waitFor();
    // The tab's own content: with no cluster configured it must explain what it searched, not render nothing.
    // With no cluster configured the tab shows onboarding (no cluster serves the Canary CRD) rather than nothing.
    await page.getByText(/progressive delivery is not set up|no canaries found/i).first().waitFor({ timeout: 30_000 });
    await screenshot(page, 'foundation-delivery-tab');
  });

  it('shows the missing-annotation state for an entity without Kubernetes annotations', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${backend.baseUrl}/catalog/default/component/legacy-billing/delivery`);
    await signInAsGuest(page);
    const hint = page.getByText(/backstage\.io\/kubernetes-id/).first();
    await hint.waitFor({ timeout: 60_000 });
    expect(await hint.isVisible()).toBe(true);
    await screenshot(page, 'foundation-missing-annotation');
  });
});
