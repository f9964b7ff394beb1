/**
 * The demo orchestrator behind ./scripts/demo.sh: two local clusters (dev, prod) with podinfo and its Canary, the
 * data-plane simulator, Prometheus, and Backstage with the Delivery plugins reconciling both clusters. Prints one URL,
 * keeps running until Ctrl-C (or SIGTERM), then stops everything it started.
 *
 *   node --experimental-strip-types scripts/demo/run.ts [--headless]
 *
 * --headless: no frontend dev server; the backend serves the production build of packages/app (built when missing
 * or older than its sources) on a free port. For tests and CI.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { type Cluster, startClusters } from '../../tools/cluster/harness/index.ts';
import { type ClusterAccess, type KubeObject, apply, loadKustomization, serviceAccountToken } from './kube.ts';
import { type Managed, freePort, killAllSync, portIsFree, startProcess, tail, waitForHttp } from './processes.ts';
import { clearState, demoDir, repoRoot, writeState } from './state.ts';

const CLUSTERS = ['dev', 'prod'];
const NAMESPACE = 'test';
const TARGET = 'podinfo';
const SA_NAMESPACE = 'backstage-delivery';
const SA_NAME = 'delivery-demo';
const RPS = 100;

const headless = process.argv.includes('--headless');
const t0 = Date.now();
const secs = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

let stepStart = Date.now();
function step(message: string) {
  stepStart = Date.now();
  process.stdout.write(`${bold('==>')} ${message}\n`);
}
function done(detail = '') {
  process.stdout.write(`    ok in ${secs(stepStart)}${detail ? ` — ${detail}` : ''}\n`);
}
function waiting(what: string) {
  return (s: number) => process.stdout.write(`    … still ${what} (${s} s)\n`);
}

// ------------------------------------------------------------------ teardown

const processes: Managed[] = [];
let clusters: Cluster[] = [];
let stopping: Promise<void> | undefined;

async function stopAll(): Promise<void> {
  // Backstage first (it watches the clusters and is scraped by Prometheus), then the rest, clusters last.
  for (const p of [...processes].reverse()) await p.stop().catch(() => undefined);
  await Promise.all(clusters.map(c => c.stop().catch(() => undefined)));
  clearState();
}

function shutdown(signal: string) {
  if (stopping) return;
  process.stdout.write(`\n${bold('==>')} ${signal}: stopping Backstage, Prometheus, the simulator and the clusters\n`);
  stopping = stopAll().finally(() => {
    process.stdout.write(`    stopped in ${secs(stepStart)}\n`);
    process.exit(0);
  });
  stepStart = Date.now();
}
// Registered before the cluster harness registers its own (synchronous SIGKILL) handlers, so ours runs first and
// stops the app and Prometheus gracefully; a second Ctrl-C kills at once.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) {
      killAllSync();
      process.exit(130);
    }
    shutdown(signal);
  });
}
process.on('exit', killAllSync);

// ------------------------------------------------------------------ steps

interface DemoCluster {
  cluster: Cluster;
  admin: ClusterAccess;
  /** Token of the ServiceAccount the backend acts as (least privilege where the RBAC manifests exist). */
  backendToken: string;
}

/**
 * The backend's ServiceAccount, bound to every ClusterRole and Role shipped in plugins/delivery-backend/deploy/rbac
 * (the read-only aggregator role and, once it ships, the reconciler role), so the demo proves those manifests suffice.
 */
async function backendAccess(admin: ClusterAccess): Promise<{ token: string; note: string }> {
  const rbacDir = path.join(repoRoot, 'plugins/delivery-backend/deploy/rbac');
  const rbac = fs.existsSync(path.join(rbacDir, 'kustomization.yaml')) ? loadKustomization(rbacDir) : [];
  for (const o of rbac) await apply(admin, o);
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SA_NAMESPACE } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA_NAME, namespace: SA_NAMESPACE } },
  ];
  const subjects = [{ kind: 'ServiceAccount', name: SA_NAME, namespace: SA_NAMESPACE }];
  const roles = rbac.filter(o => o.kind === 'ClusterRole').map(o => o.metadata.name);
  const hasReconcilerRole = roles.some(r => r.includes('reconciler'));
  // TODO(reconciler RBAC): remove this fallback once plugins/delivery-backend/deploy/rbac ships the reconciler's
  // ClusterRole; until then the demo's backend needs write access that no shipped role grants.
  if (!hasReconcilerRole) roles.push('cluster-admin');
  for (const role of roles) {
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${SA_NAME}-${role}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects,
    });
  }
  for (const r of rbac.filter(o => o.kind === 'Role')) {
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${SA_NAME}-${r.metadata.name}`, namespace: r.metadata.namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: r.metadata.name },
      subjects,
    });
  }
  for (const o of objects) await apply(admin, o);
  const token = await serviceAccountToken(admin, SA_NAMESPACE, SA_NAME, 7 * 24 * 3600);
  return {
    token,
    note: hasReconcilerRole
      ? `ServiceAccount ${SA_NAME} bound to ${roles.join(', ')}`
      : `ServiceAccount ${SA_NAME} bound to ${roles.join(', ')} (no reconciler ClusterRole in deploy/rbac yet)`,
  };
}

async function startDemoClusters(): Promise<DemoCluster[]> {
  step(`Starting local clusters ${CLUSTERS.join(' and ')} (etcd, kube-apiserver, controller-manager, scheduler, kwok)`);
  clusters = await startClusters(CLUSTERS, { concurrency: 2 });
  done(clusters.map(c => `${c.name} ${c.server}`).join(', '));

  step('Installing the backend\'s RBAC (plugins/delivery-backend/deploy/rbac) and its ServiceAccount');
  const out: DemoCluster[] = [];
  let note = '';
  for (const cluster of clusters) {
    const admin = { name: cluster.name, server: cluster.server, token: cluster.token, caData: cluster.caData };
    const access = await backendAccess(admin);
    note = access.note;
    out.push({ cluster, admin, backendToken: access.token });
  }
  done(note);
  return out;
}

/**
 * podinfo's Deployment and Canary (deploy/demo/<cluster>). Each cluster has its own Prometheus, as each real cluster
 * has its own Linkerd metrics; `spec.metricsServer` points the canary's built-in checks at it.
 */
async function installPodinfo(demo: DemoCluster[], prometheusUrls: Record<string, string>): Promise<void> {
  step(`Applying podinfo (Deployment + Canary, namespace ${NAMESPACE}) from deploy/demo/{${CLUSTERS.join(',')}}`);
  for (const d of demo) {
    for (const o of loadKustomization(path.join(repoRoot, 'deploy/demo', d.cluster.name))) {
      if (o.kind === 'Canary') (o.spec as Record<string, unknown>).metricsServer = prometheusUrls[d.cluster.name];
      await apply(d.admin, o);
    }
  }
  done();
}

async function startSimulator(dir: string, logDir: string, demo: DemoCluster[]): Promise<string> {
  step(`Starting the data-plane simulator (Linkerd-style metrics, ${RPS} rps per cluster split by the live weights)`);
  const portFile = path.join(dir, 'simulator.port');
  fs.rmSync(portFile, { force: true });
  const configPath = path.join(dir, 'simulator.json');
  fs.writeFileSync(
    configPath,
    JSON.stringify({
      clusters: demo.map(d => d.admin),
      targets: [{ namespace: NAMESPACE, name: TARGET }],
      rps: RPS,
      pollMs: 1000,
      port: 0,
      portFile,
    }),
    { mode: 0o600 },
  );
  const sim = startProcess({
    name: 'simulator',
    command: process.execPath,
    args: ['--experimental-strip-types', '--no-warnings', path.join(repoRoot, 'tools/demo/simulator/main.ts'), configPath],
    cwd: repoRoot,
    logDir,
  });
  processes.push(sim);
  const deadline = Date.now() + 20_000;
  while (!fs.existsSync(portFile)) {
    if (sim.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the simulator did not start; its log:\n${tail(sim.logPath)}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
  const url = `http://127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`;
  await waitForHttp(`${url}/healthz`, { timeoutMs: 10_000, process: sim });
  done(`${url} — in a real cluster Linkerd's proxies produce these series`);
  return url;
}

/** One Prometheus per cluster (free port, own data dir): the cluster's simulated proxies, plus the backend on dev's. */
async function startPrometheus(
  dir: string,
  logDir: string,
  cluster: string,
  simulatorUrl: string,
  backendUrl?: string,
): Promise<string> {
  const port = await freePort();
  const sim = new URL(simulatorUrl);
  const config = {
    global: { scrape_interval: '5s', evaluation_interval: '5s', external_labels: { cluster } },
    scrape_configs: [
      {
        job_name: 'linkerd-proxy',
        metrics_path: `/clusters/${cluster}/metrics`,
        static_configs: [{ targets: [sim.host] }],
      },
      ...(backendUrl
        ? [
            {
              job_name: 'delivery-backend',
              metrics_path: '/api/delivery/metrics',
              static_configs: [{ targets: [new URL(backendUrl).host] }],
            },
          ]
        : []),
    ],
  };
  const configPath = path.join(dir, `prometheus-${cluster}.yml`);
  fs.writeFileSync(configPath, YAML.stringify(config));
  const dataDir = path.join(dir, `prometheus-${cluster}-data`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  const prometheus = startProcess({
    name: `prometheus-${cluster}`,
    command: 'prometheus',
    args: [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${dataDir}`,
      '--storage.tsdb.retention.time=1d',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    cwd: dir,
    logDir,
  });
  processes.push(prometheus);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/-/ready`, { timeoutMs: 30_000, process: prometheus });
  return url;
}

async function startPrometheuses(
  dir: string,
  logDir: string,
  simulatorUrl: string,
  backendUrl: string,
): Promise<Record<string, string>> {
  step('Starting Prometheus per cluster (scrapes the simulated proxies every 5 s; dev\'s also the backend\'s flagger_canary_*)');
  const urls: Record<string, string> = {};
  for (const [i, name] of CLUSTERS.entries()) {
    urls[name] = await startPrometheus(dir, logDir, name, simulatorUrl, i === 0 ? backendUrl : undefined);
  }
  done(CLUSTERS.map(n => `${n} ${urls[n]}`).join(', '));
  return urls;
}

function writeAppConfig(
  dir: string,
  demo: DemoCluster[],
  urls: { app: string; backend: string; backendPort: number; prometheus: string },
): string {
  const config = {
    app: { baseUrl: urls.app },
    backend: { baseUrl: urls.backend, listen: { port: urls.backendPort, host: '127.0.0.1' }, cors: { origin: urls.app } },
    delivery: {
      clusters: demo.map(d => ({
        name: d.cluster.name,
        url: d.cluster.server,
        authProvider: 'serviceAccount',
        serviceAccountToken: d.backendToken,
        caData: d.cluster.caData,
      })),
      // The default Prometheus; each demo Canary names its own cluster's in spec.metricsServer.
      reconciler: { enabled: true, metricsServer: urls.prometheus, meshProvider: 'linkerd' },
      // No Grafana runs in the demo; point DELIVERY_DEMO_GRAFANA_URL at one with deploy/grafana imported to get links.
      ...(process.env.DELIVERY_DEMO_GRAFANA_URL
        ? {
            grafana: {
              baseUrl: process.env.DELIVERY_DEMO_GRAFANA_URL,
              dashboards: {
                linkerd: '/d/delivery-linkerd/delivery-canary-linkerd',
                nginx: '/d/delivery-nginx/delivery-canary-nginx',
                gatewayapi: '/d/delivery-gatewayapi/delivery-canary-gateway-api',
              },
            },
          }
        : {}),
      // Per-cluster secrets for upstream-Flagger-style gate URLs; fresh for every demo run.
      gates: {
        clusterSecrets: Object.fromEntries(demo.map(d => [d.cluster.name, crypto.randomBytes(16).toString('hex')])),
      },
    },
  };
  const file = path.join(dir, 'app-config.demo.local.yaml');
  fs.writeFileSync(
    file,
    `# Generated by scripts/demo/run.ts for this demo run; credentials are for throw-away local clusters.\n${YAML.stringify(config)}`,
    { mode: 0o600 },
  );
  return file;
}

/** True when packages/app/dist is missing or older than any source the app bundles. */
function appBuildIsStale(): boolean {
  const index = path.join(repoRoot, 'packages/app/dist/index.html');
  if (!fs.existsSync(index)) return true;
  const dirs = ['packages/app/src', 'plugins/delivery/src', 'plugins/delivery-common/src'].map(d => path.join(repoRoot, d));
  const newer = execFileSync('find', [...dirs, '-newer', index, '-type', 'f', '-print', '-quit'], { encoding: 'utf8' });
  return newer.trim() !== '';
}

async function startBackstage(logDir: string, configFile: string, backendUrl: string, appUrl: string): Promise<void> {
  const configArgs = ['--config', path.join(repoRoot, 'app-config.yaml'), '--config', configFile];
  const env = { ...process.env, NODE_ENV: 'development' };
  if (headless) {
    if (appBuildIsStale()) {
      step('Building the app (packages/app, production bundle; a few minutes the first time)');
      // NODE_ENV decides the browserslist section; an inherited one (jest sets `test`) breaks the bundler.
      const build = startProcess({
        name: 'app-build',
        command: 'yarn',
        args: ['workspace', 'app', 'build'],
        cwd: repoRoot,
        logDir,
        env: { ...process.env, NODE_ENV: 'production' },
      });
      processes.push(build);
      const ticker = setInterval(() => waiting('building the app')(Math.round((Date.now() - stepStart) / 1000)), 15_000);
      const code = await build.exited;
      clearInterval(ticker);
      processes.splice(processes.indexOf(build), 1);
      if (code !== 0) throw new Error(`app build failed (exit ${code}); its log:\n${tail(build.logPath)}`);
      done();
    }
    step('Starting the Backstage backend (serves the built app, SQLite in memory)');
    const backend = startProcess({
      name: 'backstage',
      command: process.execPath,
      args: [
        '--enable-source-maps',
        '--require',
        path.join(repoRoot, 'node_modules/@backstage/cli-node/config/nodeTransform.cjs'),
        'src/index.ts',
        ...configArgs,
      ],
      cwd: path.join(repoRoot, 'packages/backend'),
      logDir,
      env: { ...env, ESBK_TSCONFIG_PATH: path.join(repoRoot, 'tsconfig.json') },
    });
    processes.push(backend);
    await waitForHttp(`${backendUrl}/api/delivery/health`, {
      timeoutMs: 240_000,
      process: backend,
      onWait: waiting('waiting for the backend'),
    });
    done(backendUrl);
    return;
  }
  step('Starting Backstage (yarn start: frontend dev server on :3000, backend on :7007; 1–3 min to compile)');
  const app = startProcess({ name: 'backstage', command: 'yarn', args: ['start', ...configArgs], cwd: repoRoot, logDir, env });
  processes.push(app);
  await waitForHttp(`${backendUrl}/api/delivery/health`, {
    timeoutMs: 420_000,
    process: app,
    onWait: waiting('compiling the backend'),
  });
  await waitForHttp(appUrl, { timeoutMs: 420_000, process: app, onWait: waiting('compiling the frontend') });
  done(`${appUrl} and ${backendUrl}`);
}

async function main() {
  const dir = demoDir();
  const logDir = path.join(dir, 'logs');
  fs.rmSync(logDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });

  let backendPort = 7007;
  if (headless) backendPort = await freePort();
  else {
    for (const port of [3000, 7007]) {
      if (!(await portIsFree(port))) {
        throw new Error(`port ${port} is in use on 127.0.0.1: is another demo or \`yarn start\` running? Stop it first.`);
      }
    }
  }
  const backendUrl = `http://localhost:${backendPort}`;
  const appUrl = headless ? backendUrl : 'http://localhost:3000';

  const demo = await startDemoClusters();
  const simulatorUrl = await startSimulator(dir, logDir, demo);
  const prometheusUrls = await startPrometheuses(dir, logDir, simulatorUrl, backendUrl);
  const prometheusUrl = prometheusUrls[CLUSTERS[0]];
  await installPodinfo(demo, prometheusUrls);
  const configFile = writeAppConfig(dir, demo, { app: appUrl, backend: backendUrl, backendPort, prometheus: prometheusUrl });
  await startBackstage(logDir, configFile, backendUrl, appUrl);

  const url = `${appUrl}/catalog/default/component/${TARGET}/delivery`;
  writeState({
    pid: process.pid,
    url,
    backendUrl,
    prometheusUrls,
    simulatorUrl,
    clusters: demo.map(d => d.admin),
    namespace: NAMESPACE,
    target: TARGET,
    startedAt: new Date().toISOString(),
  });
  const cli = path.relative(process.cwd(), path.join(repoRoot, 'scripts/demo/release')) || 'scripts/demo/release';
  process.stdout.write(
    [
      '',
      `Demo ready in ${secs(t0)}. Open (sign in as Guest):`,
      '',
      `    ${bold(url)}`,
      '',
      'Then, in another terminal:',
      `    ${cli} good        release a healthy version: promoted in dev; prod waits for your approval on the tab`,
      `    ${cli} bad         release a broken version to dev: its metrics fail and it is rolled back`,
      `    ${cli} pause | resume | status`,
      '',
      `Traffic is simulated (${simulatorUrl}/state): in a real cluster Linkerd's proxies produce the metrics.`,
      `Prometheus: ${CLUSTERS.map(n => `${n} ${prometheusUrls[n]}`).join(', ')}   logs: ${logDir}`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  // Stay up until a signal; a crashed Backstage ends the demo instead of leaving a half-working one.
  const backstage = processes.find(p => p.name === 'backstage')!;
  const code = await backstage.exited;
  if (!stopping) {
    process.stdout.write(`Backstage exited (code ${code}); its log:\n${tail(backstage.logPath)}\n`);
    shutdown('backstage exited');
  }
}

main().catch(async (e: Error) => {
  process.stderr.write(`\ndemo failed: ${e.message}\n`);
  if (!stopping) {
    stopping = stopAll();
    await stopping;
  }
  process.exit(1);
});
