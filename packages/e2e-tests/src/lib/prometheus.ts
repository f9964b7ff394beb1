import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './backend';

/**
 * A real Prometheus (Debian's /usr/bin/prometheus) scraping, every second, a tiny exporter on loopback whose
 * Linkerd-style series the test controls: `response_total{namespace,deployment,classification,direction}` and
 * `response_latency_ms_bucket{namespace,deployment,direction,le}`. Counters grow with wall time at the configured
 * request rate, so `rate()` over a window answers the success rate and latency the test asked for.
 */

export interface Traffic {
  /** Requests per second (default 10). */
  rps?: number;
  /** Share of failing requests, 0..1. */
  errorRatio: number;
  /** Latency of every request, in ms (default 50). */
  latencyMs?: number;
}

const BUCKETS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

interface Series {
  traffic: Traffic;
  success: number;
  failure: number;
  buckets: number[];
  sum: number;
  at: number;
}

export class LinkerdExporter {
  private readonly series = new Map<string, Series>();
  private server?: http.Server;
  port = 0;

  /** Sets the traffic of a workload from now on; counters keep their totals. */
  set(namespace: string, deployment: string, traffic: Traffic): void {
    const key = `${namespace}/${deployment}`;
    const s = this.series.get(key);
    if (s) {
      this.advance(s);
      s.traffic = traffic;
    } else {
      this.series.set(key, { traffic, success: 0, failure: 0, buckets: BUCKETS.map(() => 0), sum: 0, at: Date.now() });
    }
  }

  private advance(s: Series) {
    const now = Date.now();
    const n = ((s.traffic.rps ?? 10) * (now - s.at)) / 1000;
    s.at = now;
    const failed = n * s.traffic.errorRatio;
    s.failure += failed;
    s.success += n - failed;
    const latency = s.traffic.latencyMs ?? 50;
    BUCKETS.forEach((le, i) => {
      if (latency <= le) s.buckets[i] += n;
    });
    s.sum += n * latency;
  }

  render(): string {
    const lines = ['# TYPE response_total counter', '# TYPE response_latency_ms histogram'];
    for (const [key, s] of this.series) {
      this.advance(s);
      const [namespace, deployment] = key.split('/');
      const base = `namespace="${namespace}",deployment="${deployment}",direction="inbound"`;
      lines.push(`response_total{${base},classification="success"} ${s.success}`);
      lines.push(`response_total{${base},classification="failure"} ${s.failure}`);
      BUCKETS.forEach((le, i) => lines.push(`response_latency_ms_bucket{${base},le="${le}"} ${s.buckets[i]}`));
      const total = s.success + s.failure;
      lines.push(`response_latency_ms_bucket{${base},le="+Inf"} ${total}`);
      lines.push(`response_latency_ms_sum{${base}} ${s.sum}`);
      lines.push(`response_latency_ms_count{${base}} ${total}`);
    }
    return `${lines.join('\n')}\n`;
  }

  async start(): Promise<number> {
    this.port = await freePort();
    this.server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(this.render());
    });
    await new Promise<void>(r => this.server!.listen(this.port, '127.0.0.1', r));
    return this.port;
  }

  async stop(): Promise<void> {
    await new Promise<void>(r => (this.server ? this.server.close(() => r()) : r()));
  }
}

export interface RunningPrometheus {
  url: string;
  exporter: LinkerdExporter;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, logPath: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`prometheus exited with ${child.exitCode}:\n${fs.readFileSync(logPath, 'utf8').slice(-2000)}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`prometheus not ready after ${timeoutMs} ms; log: ${logPath}`);
}

/** Starts the exporter and Prometheus on free loopback ports; `stop()` kills Prometheus and removes its data. */
export async function startPrometheus(): Promise<RunningPrometheus> {
  const exporter = new LinkerdExporter();
  const exporterPort = await exporter.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: linkerd',
      '    honor_labels: true',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${exporterPort}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const logPath = path.join(dir, 'prometheus.log');
  const log = fs.openSync(logPath, 'a');
  const child = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', log, log] },
  );
  const url = `http://127.0.0.1:${port}`;
  const kill = () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  try {
    await waitReady(url, child, logPath);
  } catch (e) {
    kill();
    await exporter.stop();
    throw e;
  }
  return {
    url,
    exporter,
    async stop() {
      kill();
      await new Promise(r => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
      await exporter.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when nothing listens on the port (used to prove cleanup). */
export function portClosed(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}
