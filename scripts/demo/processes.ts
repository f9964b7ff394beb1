/**
 * Child processes of the demo: each in its own process group with its output in a log file, stopped as a group
 * (TERM, then KILL after a grace period) so nothing it spawned outlives the demo.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface Managed {
  name: string;
  child: ChildProcess;
  logPath: string;
  /** Resolves when the process has exited (for whatever reason). */
  exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Managed>();

// `setpriv --pdeathsig` makes the kernel signal the child if the demo dies without running any handler (SIGKILL).
const setpriv = (() => {
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      process.kill(child.pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Synchronous last resort for 'exit' handlers: SIGKILL every group still alive. */
export function killAllSync(): void {
  for (const m of live) killGroup(m.child, 'SIGKILL');
  live.clear();
}

export function startProcess(options: {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  logDir: string;
  env?: NodeJS.ProcessEnv;
}): Managed {
  const logPath = path.join(options.logDir, `${options.name}.log`);
  const log = fs.openSync(logPath, 'a');
  const [command, args] = setpriv
    ? ['setpriv', ['--pdeathsig', 'TERM', '--', options.command, ...options.args]]
    : [options.command, options.args];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', log, log],
    detached: true,
  });
  fs.closeSync(log);
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
  const managed: Managed = {
    name: options.name,
    child,
    logPath,
    exited,
    async stop(graceMs = 10_000) {
      live.delete(managed);
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Whatever the leader left in its group (e.g. yarn's children) goes too.
      killGroup(child, 'SIGKILL');
    },
  };
  live.add(managed);
  return managed;
}

export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `url` until it answers 2xx; fails early when `process` exits, and after `timeoutMs`. `onWait` is called about
 * every 10 s with the seconds waited, so long waits show progress.
 */
export async function waitForHttp(
  url: string,
  options: { timeoutMs: number; process?: Managed; onWait?: (seconds: number) => void },
): Promise<void> {
  const start = Date.now();
  let lastReport = start;
  for (;;) {
    const proc = options.process;
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
      throw new Error(`${proc.name} exited (code ${proc.child.exitCode}) before ${url} answered; its log:\n${tail(proc.logPath)}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    const now = Date.now();
    if (now - start > options.timeoutMs) {
      throw new Error(
        `${url} did not answer within ${Math.round(options.timeoutMs / 1000)} s` +
          (proc ? `; ${proc.name} log:\n${tail(proc.logPath)}` : ''),
      );
    }
    if (options.onWait && now - lastReport >= 10_000) {
      lastReport = now;
      options.onWait(Math.round((now - start) / 1000));
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function portIsFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
