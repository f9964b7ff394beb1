import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The repository root: the nearest folder upwards from the working directory that holds backstage.json. */
export const repoRoot = (() => {
  let dir = process.cwd();
  while (!fs.existsSync(path.join(dir, 'backstage.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('run the e2e tests from inside the repository');
    dir = parent;
  }
  return dir;
})();

export interface RunningBackend {
  baseUrl: string;
  port: number;
  logPath: string;
  stop(): Promise<void>;
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

const running = new Set<ChildProcess>();
// Jest may be interrupted; never leave a backend behind.
process.once('exit', () => {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Starts packages/backend from source, on a free port, with extra config layered on top of
 * app-config.yaml, and waits until `/api/delivery/health` answers.
 */
export async function startBackend(options: {
  config?: Record<string, unknown>;
  configFiles?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<RunningBackend> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-backend-'));
  const overrides = deepMerge(
    {
      app: { baseUrl },
      backend: { baseUrl, listen: { port, host: '127.0.0.1' }, cors: { origin: baseUrl } },
    },
    options.config ?? {},
  );
  const overridePath = path.join(dir, 'app-config.test.json');
  fs.writeFileSync(overridePath, JSON.stringify(overrides));
  // Run the backend's TypeScript the way `backstage-cli package start` does, minus its file watcher: other
  // work in the tree must not restart the backend under a test. JSON is valid YAML for the config loader.
  const args = [
    '--enable-source-maps',
    '--require',
    require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
    'src/index.ts',
  ];
  for (const f of [path.join(repoRoot, 'app-config.yaml'), ...(options.configFiles ?? []), overridePath]) {
    args.push('--config', f);
  }
  const logPath = path.join(dir, 'backend.log');
  const log = fs.openSync(logPath, 'a');
  const child = spawn(process.execPath, args, {
    cwd: path.join(repoRoot, 'packages/backend'),
    env: {
      ...process.env,
      ...options.env,
      NODE_ENV: 'development',
      ESBK_TSCONFIG_PATH: path.join(repoRoot, 'tsconfig.json'),
    },
    stdio: ['ignore', log, log],
    detached: true,
  });
  running.add(child);

  const stopProcess = async () => {
    running.delete(child);
    if (child.exitCode !== null) return;
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };
  // The temp dir (config override, log) goes with the process: a passing run leaves nothing in /tmp.
  const stop = async () => {
    await stopProcess();
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  for (;;) {
    if (child.exitCode !== null) {
      running.delete(child);
      throw new Error(`backend exited with ${child.exitCode}; log (${logPath}):\n${tail(logPath)}`);
    }
    try {
      const res = await fetch(`${baseUrl}/api/delivery/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      // Keep the log of a failed start for the error and for whoever reads the CI artefacts.
      await stopProcess();
      throw new Error(`backend did not become healthy on ${baseUrl}; log (${logPath}):\n${tail(logPath)}`);
    }
    await new Promise(r => setTimeout(r, 1000));
  }
  return { baseUrl, port, logPath, stop };
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-40).join('\n');
  } catch {
    return '(no log)';
  }
}

type Json = Record<string, unknown>;
function deepMerge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const prev = out[key];
    const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
    out[key] = isObj(prev) && isObj(value) ? deepMerge(prev, value) : value;
  }
  return out;
}
