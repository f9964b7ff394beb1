/**
 * Walks the demo story in headless Chromium against a running demo and saves the screenshots docs/demo.md uses:
 *
 *   ./scripts/demo.sh --headless &      # or the normal demo
 *   node --experimental-strip-types scripts/demo/screenshots.ts [outDir]   # default docs/images
 *
 * Needs a fresh demo (both canaries Initialized, nothing released yet). Takes about five minutes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Locator, type Page, chromium } from 'playwright-core';
import { readState, repoRoot } from './state.ts';

const outDir = path.resolve(process.argv[2] ?? path.join(repoRoot, 'docs/images'));
const release = (...args: string[]) =>
  execFileSync(path.join(repoRoot, 'scripts/demo/release'), args, { encoding: 'utf8', timeout: 60_000 });

async function until(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${release('status')}`);
    await new Promise(r => setTimeout(r, 1000));
  }
}
const phase = (cluster: string, p: string) => () => new RegExp(`^${cluster}: ${p}`, 'm').test(release('status'));

async function shoot(page: Page, target: Locator, name: string) {
  const file = path.join(outDir, `${name}.png`);
  // A clip of the page rather than an element screenshot: Backstage scrolls inside its own container and keeps a
  // fixed sidebar, which element screenshots of tall cards get wrong.
  // The sidebar overlays the content's left edge in these clips; the docs show the tab, not the navigation.
  await page.addStyleTag({ content: '[data-testid="sidebar-root"] { display: none !important; }' });
  await target.scrollIntoViewIfNeeded();
  const box = await target.boundingBox();
  if (!box) throw new Error(`${name}: element not visible`);
  await page.screenshot({ path: file, clip: box, animations: 'disabled' });
  process.stdout.write(`saved ${path.relative(process.cwd(), file)} (${Math.round(fs.statSync(file).size / 1024)} KiB)\n`);
}

async function main() {
  const state = readState();
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    // Tall enough that a card with its details fits: Backstage scrolls inside its own container, so element
    // screenshots of anything taller than the viewport come out cut.
    const page = await browser.newPage({ viewport: { width: 1400, height: 2600 }, deviceScaleFactor: 0.6 });
    const card = (cluster: string) => page.getByRole('article', { name: `canary ${cluster}/${state.namespace}/${state.target}` });
    const open = async () => {
      await page.goto(state.url);
      const enter = page.getByRole('button', { name: /enter/i });
      if (await enter.isVisible({ timeout: 15_000 }).catch(() => false)) await enter.click();
      await card('dev').waitFor({ timeout: 60_000 });
    };

    await until('both canaries Initialized', 180_000, () => phase('dev', 'Initialized')() && phase('prod', 'Initialized')());
    await open();
    await shoot(page, page.locator('main'), 'demo-tab-initialized');

    release('good');
    await until('dev at 40 %', 120_000, () => /^dev: Progressing, canary weight 40/m.test(release('status')));
    await card('dev').getByText('Details').click();
    await card('dev').getByText('Traffic').first().waitFor();
    await page.waitForTimeout(3000);
    await shoot(page, card('dev'), 'demo-dev-progressing');
    await card('dev').getByText('Details').click();

    await until('prod WaitingPromotion', 180_000, phase('prod', 'WaitingPromotion'));
    await until('dev Succeeded', 120_000, phase('dev', 'Succeeded'));
    await card('prod').getByLabel('phase: Waiting for promotion').waitFor({ timeout: 60_000 });
    await card('prod').getByText('Details').click();
    const approve = card('prod').getByRole('button', { name: /^approve/i });
    // Approve appears once the backend knows the canary's owners from the catalog (its entity index refreshes on a
    // schedule); reload until it does.
    await until('the Approve button', 420_000, async () => {
      if (await approve.isVisible()) return true;
      await open();
      await card('prod').getByText('Details').click();
      return approve.waitFor({ timeout: 10_000 }).then(() => true, () => false);
    });
    await shoot(page, card('prod'), 'demo-prod-waiting-approval');
    await approve.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await shoot(page, dialog, 'demo-prod-approve-dialog');
    await dialog.getByRole('button', { name: /^approve/i }).click();
    await until('prod Succeeded', 180_000, phase('prod', 'Succeeded'));
    await card('prod').getByLabel('phase: Succeeded').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(2000);
    await shoot(page, card('prod'), 'demo-prod-promoted');
    await card('prod').getByText('Details').click();

    release('bad', 'dev');
    await until('dev Failed', 180_000, phase('dev', 'Failed'));
    await card('dev').getByLabel('phase: Failed').waitFor({ timeout: 60_000 });
    await card('dev').getByText('Details').click();
    await card('dev').getByText(/is below the minimum/).first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(2000);
    await shoot(page, card('dev'), 'demo-dev-rolled-back');
  } finally {
    await browser.close();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`screenshots: ${e.message}\n`);
  process.exit(1);
});
