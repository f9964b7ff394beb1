import fs from 'node:fs';
import path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { repoRoot } from './backend';

export const screenshotDir = path.join(repoRoot, 'screenshots');

/**
 * Launches the machine's Chromium (Playwright gives it a fresh temporary profile) (Debian package) headless. The background-networking flags matter: this machine
 * has no route to Google's hosts, and without them Chromium keeps opening connections that are refused.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Signs in with the guest provider if the sign-in page is showing. */
export async function signInAsGuest(page: Page): Promise<void> {
  const enter = page.getByRole('button', { name: /enter/i });
  if (await enter.isVisible({ timeout: 15_000 }).catch(() => false)) {
    await enter.click();
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
