import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { repoRoot } from '../lib/backend';
import { launchChromium, screenshot, signInAsGuest } from '../lib/browser';
import { describeE2e } from '../lib/gate';

jest.setTimeout(900_000);

/**
 * The README's first command, end to end: `scripts/demo.sh --headless` brings up two clusters, the simulator,
 * Prometheus and Backstage; the release CLI drives a good and a bad rollout in dev; Chromium reads the result on the
 * Delivery tab; SIGTERM stops everything with no process left.
 */
describeE2e('demo smoke (scripts/demo.sh --headless)', () => {
  const demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-demo-'));
  const env = { ...process.env, DELIVERY_DEMO_DIR: demoDir };
  let demo: ChildProcess;
  let output = '';
  let url = '';
  let browser: Browser;
  let page: Page;

  const release = (...args: string[]) =>
    execFileSync(path.join(repoRoot, 'scripts/demo/release'), args, {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });

  /** Every process the demo started, found through parent links while it still runs (children have own groups). */
  function descendants(root: number): number[] {
    const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(l => l.trim().split(/\s+/).map(Number));
    const out: number[] = [];
    const walk = (pid: number) => {
      for (const [child, parent] of rows) {
        if (parent === pid) {
          out.push(child);
          walk(child);
        }
      }
    };
    walk(root);
    return out;
  }

  const alive = (pid: number) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return !/^\d+ \(.*\) Z/.test(stat);
    } catch {
      return false;
    }
  };

  const pgrep = (pattern: string): string => {
    try {
      return execFileSync('pgrep', ['-af', pattern], {
        encoding: 'utf8',
      }).trim();
    } catch {
      return ''; // exit 1: no match
    }
  };

  const devCard = (): Locator =>
    page.getByRole('article', { name: 'canary dev/test/podinfo' });

  beforeAll(async () => {
    demo = spawn(
      'bash',
      [path.join(repoRoot, 'scripts/demo.sh'), '--headless'],
      {
        cwd: repoRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    demo.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    demo.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 600_000;
    for (;;) {
      const m =
        /^\s+(http:\/\/localhost:\d+\/catalog\/default\/component\/podinfo\/delivery)\s*$/m.exec(
          output,
        );
      if (m) {
        url = m[1];
        break;
      }
      if (demo.exitCode !== null)
        throw new Error(
          `demo.sh exited with ${demo.exitCode}:\n${output.slice(-4000)}`,
        );
      if (Date.now() > deadline)
        throw new Error(
          `demo.sh printed no URL within 10 min:\n${output.slice(-4000)}`,
        );
      await new Promise(r => setTimeout(r, 1000));
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(url);
    await signInAsGuest(page);
    await devCard().waitFor({ timeout: 120_000 });
  });

  afterAll(async () => {
    await browser?.close();
    if (demo && demo.exitCode === null) {
      try {
        process.kill(-demo.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(demoDir, { recursive: true, force: true });
  });

  it('printed its progress and exactly one URL to open', () => {
    expect(output).toContain('Starting local clusters dev and prod');
    expect(output).toContain("Linkerd's proxies produce");
    expect(output.match(/http:\/\/localhost:\d+\/catalog\/\S+/g)?.length).toBe(
      1,
    );
  });

  it('promotes a good release in dev: Progressing, then Succeeded with the new image', async () => {
    // The reconciler initialises the canaries (primary, services, TrafficSplit) right after startup; wait for that
    // through the API, then load the tab fresh. (A tab opened while the canary is Initializing has been seen to keep
    // showing Initializing after the change; the reload keeps this test about the rollout.)
    const deadline = Date.now() + 180_000;
    while (!/^dev: Initialized/m.test(release('status'))) {
      if (Date.now() > deadline)
        throw new Error(
          `dev canary not Initialized after 3 min:\n${release('status')}`,
        );
      await new Promise(r => setTimeout(r, 2000));
    }
    await page.reload();
    await devCard()
      .getByLabel('phase: Initialized')
      .waitFor({ timeout: 60_000 });
    const out = release('good', 'dev');
    const image = /dev: test\/podinfo → (\S+)/.exec(out)?.[1];
    expect(image).toMatch(/podinfo:\d+\.\d+\.\d+$/);
    await devCard()
      .getByLabel('phase: Progressing')
      .waitFor({ timeout: 90_000 });
    await screenshot(page, 'demo-dev-progressing');
    await devCard()
      .getByLabel('phase: Succeeded')
      .waitFor({ timeout: 240_000 });
    const primary = devCard()
      .getByText('Promoted (primary) image')
      .locator('..');
    await expect(primary.textContent()).resolves.toContain(image);
    await screenshot(page, 'demo-dev-succeeded');
  });

  it('rolls back a bad release in dev and shows the failing metric with its value', async () => {
    const out = release('bad', 'dev');
    expect(out).toMatch(/dev: test\/podinfo → \S+-bad/);
    await devCard()
      .getByLabel('phase: Progressing')
      .waitFor({ timeout: 90_000 });
    await devCard().getByLabel('phase: Failed').waitFor({ timeout: 240_000 });
    await devCard().getByText('Details').click();
    const failed = devCard()
      .getByText(/request-success-rate: [\d.]+%? is below the minimum 99/)
      .first();
    await failed.waitFor({ timeout: 60_000 });
    const value = Number(
      /: ([\d.]+)%? is below/.exec((await failed.textContent()) ?? '')?.[1],
    );
    // The simulator fails 20 % of the -bad version's requests.
    expect(value).toBeGreaterThan(70);
    expect(value).toBeLessThan(90);
    await screenshot(page, 'demo-dev-failed');
  });

  it('stops everything on SIGTERM, leaving no process behind', async () => {
    const started = [demo.pid!, ...descendants(demo.pid!)];
    expect(started.length).toBeGreaterThan(8); // clusters (2 × 5), simulator, 2 × Prometheus, backend
    const exited = new Promise<number | null>(r =>
      demo.once('exit', code => r(code)),
    );
    process.kill(demo.pid!, 'SIGTERM');
    await expect(exited).resolves.toBe(0);
    // Group leaders get TERM then KILL within 10 s; give stragglers that long.
    const deadline = Date.now() + 15_000;
    while (started.some(alive) && Date.now() < deadline)
      await new Promise(r => setTimeout(r, 250));
    expect(started.filter(alive)).toEqual([]);
    // Nothing else still names the demo's state dir (Prometheus and simulator configs live there).
    expect(pgrep(demoDir)).toBe('');
  });
});
