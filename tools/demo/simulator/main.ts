/**
 * The demo's data-plane simulator (I/O shell around model.ts): polls the live router weights and images from each
 * cluster's API server and serves Linkerd-compatible series per cluster at http://127.0.0.1:PORT/clusters/NAME/metrics
 * for Prometheus to scrape.
 *
 *   node --experimental-strip-types tools/demo/simulator/main.ts CONFIG.json
 *
 * CONFIG.json: { "clusters": [{ "name", "server", "token", "caData" }], "targets": [{ "namespace", "name" }],
 *                "rps": 20, "pollMs": 1000, "port": 0, "portFile": "optional path the chosen port is written to" }
 *
 * In a real cluster the Linkerd proxies next to every pod produce these series; nothing here is needed there.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import {
  type DeploymentCounters,
  type DeploymentObservation,
  type TrafficSplitLike,
  advance,
  imageTag,
  profileForImage,
  renderMetrics,
  trafficShares,
} from './model.ts';

interface ClusterAccess {
  name: string;
  server: string;
  token: string;
  caData: string;
}

interface SimulatorConfig {
  clusters: ClusterAccess[];
  targets: Array<{ namespace: string; name: string }>;
  rps: number;
  pollMs: number;
  port: number;
  portFile?: string;
}

function readConfig(file: string | undefined): SimulatorConfig {
  if (!file) throw new Error('usage: main.ts CONFIG.json (see the header of tools/demo/simulator/main.ts)');
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<SimulatorConfig>;
  if (!Array.isArray(raw.clusters) || raw.clusters.length === 0) {
    throw new Error(`${file}: "clusters" must list at least one { name, server, token, caData }`);
  }
  for (const [i, c] of raw.clusters.entries()) {
    for (const key of ['name', 'server', 'token', 'caData'] as const) {
      if (typeof c[key] !== 'string' || !c[key]) throw new Error(`${file}: clusters[${i}].${key} is missing`);
    }
  }
  if (!Array.isArray(raw.targets) || raw.targets.length === 0) {
    throw new Error(`${file}: "targets" must list at least one { namespace, name }`);
  }
  return {
    clusters: raw.clusters,
    targets: raw.targets,
    rps: raw.rps ?? 20,
    pollMs: raw.pollMs ?? 1000,
    port: raw.port ?? 0,
    portFile: raw.portFile,
  };
}

/** GET a JSON object from a cluster; 404 → undefined. Every call has a 3 s deadline. */
function getJson<T>(cluster: ClusterAccess, path: string): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, cluster.server),
      {
        method: 'GET',
        ca: Buffer.from(cluster.caData, 'base64'),
        headers: { Authorization: `Bearer ${cluster.token}`, Accept: 'application/json' },
        timeout: 3000,
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 404) resolve(undefined);
          else if (res.statusCode !== 200) reject(new Error(`${cluster.name} GET ${path}: ${res.statusCode} ${body.slice(0, 200)}`));
          else resolve(JSON.parse(body) as T);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${cluster.name} GET ${path}: no answer within 3 s`)));
    req.on('error', reject);
    req.end();
  });
}

interface Deployment {
  spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } };
}

const imageOf = (d: Deployment | undefined) => d?.spec?.template?.spec?.containers?.[0]?.image;

/** What the simulator last saw, for `GET /state` (the demo CLI prints it). */
interface TargetState {
  cluster: string;
  namespace: string;
  target: string;
  versions: Array<{ deployment: string; image?: string; tag: string; share: number; errorRate: number; p99Ms: number }>;
  error?: string;
  observedAt: string;
}

async function observe(cluster: ClusterAccess, ns: string, target: string): Promise<DeploymentObservation[]> {
  const [split, canary, primary] = await Promise.all([
    getJson<TrafficSplitLike>(cluster, `/apis/split.smi-spec.io/v1alpha1/namespaces/${ns}/trafficsplits/${target}`),
    getJson<Deployment>(cluster, `/apis/apps/v1/namespaces/${ns}/deployments/${target}`),
    getJson<Deployment>(cluster, `/apis/apps/v1/namespaces/${ns}/deployments/${target}-primary`),
  ]);
  const shares = trafficShares(target, split);
  const images: Record<string, string | undefined> = { [target]: imageOf(canary), [`${target}-primary`]: imageOf(primary) };
  const exists: Record<string, boolean> = { [target]: !!canary, [`${target}-primary`]: !!primary };
  return Object.keys(images)
    .filter(d => exists[d])
    .map(d => ({ cluster: cluster.name, namespace: ns, deployment: d, share: shares[d] ?? 0, image: images[d] }));
}

function main() {
  const config = readConfig(process.argv[2]);
  const counters = new Map<string, DeploymentCounters>();
  const state = new Map<string, TargetState>();
  const lastPoll = new Map<string, number>();

  const poll = async () => {
    for (const cluster of config.clusters) {
      for (const t of config.targets) {
        const key = `${cluster.name}/${t.namespace}/${t.name}`;
        const now = Date.now();
        try {
          const obs = await observe(cluster, t.namespace, t.name);
          // Counters advance by the real time since the last poll, capped so a stall does not become a burst.
          const seconds = Math.min(5, (now - (lastPoll.get(key) ?? now - config.pollMs)) / 1000);
          lastPoll.set(key, now);
          advance(counters, obs, config.rps, seconds);
          state.set(key, {
            cluster: cluster.name,
            namespace: t.namespace,
            target: t.name,
            versions: obs.map(o => {
              const p = profileForImage(o.image);
              return { deployment: o.deployment, image: o.image, tag: imageTag(o.image), share: o.share, errorRate: p.errorRate, p99Ms: p.p99Ms };
            }),
            observedAt: new Date(now).toISOString(),
          });
        } catch (e) {
          const prev = state.get(key);
          state.set(key, {
            ...(prev ?? { cluster: cluster.name, namespace: t.namespace, target: t.name, versions: [] }),
            error: (e as Error).message,
            observedAt: new Date(now).toISOString(),
          });
        }
      }
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const loop = async () => {
    await poll();
    if (!stopped) timer = setTimeout(loop, config.pollMs);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = /^\/clusters\/([^/]+)\/metrics$/.exec(url.pathname);
    if (m && config.clusters.some(c => c.name === m[1])) {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(renderMetrics(counters, m[1]));
    } else if (url.pathname === '/state') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify([...state.values()], null, 2));
    } else if (url.pathname === '/healthz') {
      res.writeHead(200).end('ok\n');
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(`not found; try ${config.clusters.map(c => `/clusters/${c.name}/metrics`).join(', ')} or /state\n`);
    }
  });
  server.listen(config.port, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    if (config.portFile) fs.writeFileSync(config.portFile, String(port));
    process.stdout.write(
      `simulator: serving Linkerd-style series on http://127.0.0.1:${port}/clusters/<name>/metrics ` +
        `(${config.rps} rps per target, split by the live TrafficSplit weights)\n`,
    );
    void loop();
  });

  const shutdown = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main();
