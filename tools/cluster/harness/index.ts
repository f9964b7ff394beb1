/*
 * Local Kubernetes control plane for tests: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok, built from pinned Go
 * modules by tools/cluster/build.sh, started on 127.0.0.1 with free ports and
 * a private temp dir per cluster.
 *
 * Self-contained on purpose: only Node built-ins (child_process, net, fs,
 * http(s), crypto, os, path), so it can be copied into any workspace package and
 * run under jest, node --experimental-strip-types, or plain tsc output. Only
 * erasable TypeScript syntax is used (no enums, namespaces or parameter
 * properties) so Node's type stripping can run it directly.
 *
 * The bash twin is tools/cluster/cluster.sh; keep the two in step (flags,
 * startup order, node shape, CRD handling).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The processes of one cluster, in startup order (shutdown is reversed). */
export type Component =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kwok';

const COMPONENTS: readonly Component[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
];

export interface ClusterOptions {
  /** DNS label; used in the temp dir name, kubeconfig names and etcd name. */
  name: string;
  /** Fake kwok nodes to create (default 1). Named kwok-node-1..N. */
  nodes?: number;
  /**
   * CRDs to install and wait for (Established): true (default) = every
   * tools/cluster/crds/*.yaml, false = none, or a list of YAML file paths.
   */
  crds?: boolean | string[];
  /** Enable the API server audit log (one JSON line per request). */
  audit?: boolean;
  /** Directory with the binaries; default $DELIVERY_CLUSTER_BIN or build.sh. */
  binDir?: string;
  /** tools/cluster directory; default: found next to this file or above cwd. */
  toolsDir?: string;
  /** Parent of the cluster's temp dir (default os.tmpdir()). */
  baseDir?: string;
  /** Overall startup deadline in ms (default 120 000). */
  startTimeoutMs?: number;
  /** Keep the temp dir (logs, etcd data) after stop() (default false). */
  keepDir?: boolean;
  /**
   * The API server's watch cache (default true, as in production). With the
   * cache on, a watch resumed after an API server restart from a
   * resourceVersion older than the restart gets 410 Expired ("too old
   * resource version") and the client must relist, exactly like a real
   * cluster. false serves watches from etcd, so they resume from any
   * resourceVersion that etcd has not compacted (~5 min).
   */
  watchCache?: boolean;
  /** Extra kube-apiserver flags, e.g. ['--feature-gates=...']. */
  apiserverArgs?: string[];
  /**
   * Extra kube-controller-manager flags, appended after the defaults. Tests keep
   * the defaults (20 QPS per controller, 5 syncs); benchmarks that roll out
   * hundreds of Deployments raise them, e.g. ['--kube-api-qps=200',
   * '--kube-api-burst=400', '--concurrent-deployment-syncs=20'].
   */
  controllerManagerArgs?: string[];
}

export interface RequestOptions {
  method?: string;
  /** Path plus query, e.g. '/api/v1/namespaces?limit=1'. */
  path: string;
  /** Objects are sent as JSON; strings/Buffers as-is. */
  body?: unknown;
  /** Default application/json (merge patches: application/merge-patch+json). */
  contentType?: string;
  /** Bearer token; default the admin token. */
  token?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Response<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the response is JSON, otherwise the raw text. */
  body: T;
  text: string;
}

export interface Cluster {
  readonly name: string;
  /** Admin kubeconfig (token auth, system:masters). */
  readonly kubeconfigPath: string;
  /** https://127.0.0.1:PORT */
  readonly server: string;
  /** Admin bearer token (group system:masters). */
  readonly token: string;
  /** Base64 PEM of the cluster CA, as in kubeconfig certificate-authority-data. */
  readonly caData: string;
  /** Path of the CA certificate (PEM). */
  readonly caFile: string;
  /** The cluster's private temp dir (logs/, etcd/, certs/, kubeconfigs). */
  readonly dir: string;
  /** Set when started with { audit: true }. */
  readonly auditLogPath?: string;
  readonly etcdEndpoint: string;
  /** Seconds from start to Ready (nodes Ready, CRDs Established). */
  readonly startupSeconds: number;
  /** Live pid per component (undefined when stopped). */
  pids(): Partial<Record<Component, number>>;
  logPath(component: Component): string;
  /** Stop only the API server (SIGTERM, then SIGKILL after 15 s). */
  stopApiserver(): Promise<void>;
  /** Start the API server again on the same port and etcd; waits for /readyz. */
  startApiserver(): Promise<void>;
  /** One HTTPS call to this cluster's API server (CA-verified). */
  request<T = unknown>(options: RequestOptions): Promise<Response<T>>;
  /** Write a kubeconfig for this cluster with another token (e.g. a SA's). */
  writeKubeconfig(file: string, token: string, user?: string): string;
  /** Stop every process and delete the temp dir (unless keepDir). Idempotent. */
  stop(): Promise<void>;
}

// ------------------------------------------------------------------ cleanup
//
// Every child lives in its own process group (detached) so that a Ctrl-C in
// the terminal reaches only the test runner, and so that we can kill a
// component with everything it spawned. Because detached children would
// survive us, we kill them ourselves on exit and on SIGINT/SIGTERM, and, where
// util-linux's setpriv exists, also ask the kernel to SIGKILL them if we die
// without running any handler (SIGKILL, crash): --pdeathsig.

interface Live {
  procs: Set<ChildProcess>;
  dirs: Set<string>;
}
const live: Live = { procs: new Set(), dirs: new Set() };
let handlersInstalled = false;

function killGroupSync(child: ChildProcess, signal: NodeJS.Signals): void {
  if (
    child.pid === undefined ||
    child.exitCode !== null ||
    child.signalCode !== null
  )
    return;
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

function cleanupSync(): void {
  for (const child of live.procs) killGroupSync(child, 'SIGKILL');
  live.procs.clear();
  for (const dir of live.dirs) fs.rmSync(dir, { recursive: true, force: true });
  live.dirs.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // 'exit' handlers must be synchronous: kill -9 and rmSync only.
  process.on('exit', cleanupSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanupSync();
      // If nobody else handles the signal, behave as if we never had:
      // re-raise it now that our listener is gone (default action = exit).
      if (process.listenerCount(signal) === 0)
        process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

// ------------------------------------------------------------------ helpers

function findToolsDir(explicit?: string): string {
  const candidates: string[] = [];
  if (explicit) candidates.push(explicit);
  if (process.env.DELIVERY_CLUSTER_TOOLS)
    candidates.push(process.env.DELIVERY_CLUSTER_TOOLS);
  // __dirname exists under CommonJS (jest); under ESM typeof keeps this safe.
  if (typeof __dirname !== 'undefined')
    candidates.push(path.resolve(__dirname, '..'));
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'tools', 'cluster'));
    if (path.dirname(dir) === dir) break;
  }
  const found = candidates.find(c => fs.existsSync(path.join(c, 'cluster.sh')));
  if (!found) {
    throw new Error(
      `tools/cluster not found (looked in ${candidates.join(
        ', ',
      )}); set DELIVERY_CLUSTER_TOOLS`,
    );
  }
  return found;
}

const binDirs = new Map<string, string>();

/**
 * Directory with the cluster binaries. Runs tools/cluster/build.sh, which
 * returns in milliseconds when the binaries for the pinned versions exist and
 * otherwise builds them (minutes; run it once before the tests, e.g. in
 * setup, so no test timeout covers a cold build).
 */
export function ensureBinaries(toolsDir?: string): string {
  if (process.env.DELIVERY_CLUSTER_BIN) return process.env.DELIVERY_CLUSTER_BIN;
  const tools = findToolsDir(toolsDir);
  const cached = binDirs.get(tools);
  if (cached) return cached;
  const out = execFileSync('bash', [path.join(tools, 'build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const dir = out.trim().split('\n').pop() ?? '';
  if (!fs.existsSync(path.join(dir, 'kube-apiserver'))) {
    throw new Error(`build.sh did not produce binaries (got '${dir}')`);
  }
  binDirs.set(tools, dir);
  return dir;
}

/** N distinct free loopback ports (all bound at once, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map(s => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(
      servers.map(s => new Promise<void>(resolve => s.close(() => resolve()))),
    );
  }
}

const sleep = (ms: number): Promise<void> =>
  new Promise(resolve => setTimeout(resolve, ms));

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

const setprivPath = ['/usr/bin/setpriv', '/bin/setpriv'].find(p =>
  fs.existsSync(p),
);

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Split a multi-document YAML file; drops comment-only documents. */
function yamlDocuments(text: string): string[] {
  return text
    .split(/^---[ \t]*$/m)
    .filter(doc =>
      doc
        .split('\n')
        .some(line => line.trim() !== '' && !line.trim().startsWith('#')),
    );
}

function kubeconfigYaml(
  name: string,
  server: string,
  caData: string,
  user: string,
  token: string,
): string {
  // JSON is valid YAML, and avoids any quoting question for tokens.
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name, cluster: { server, 'certificate-authority-data': caData } },
      ],
      users: [{ name: user, user: { token } }],
      contexts: [{ name, context: { cluster: name, user } }],
      'current-context': name,
    },
    null,
    2,
  );
}

// ------------------------------------------------------------------ cluster

class LocalCluster implements Cluster {
  readonly name: string;
  readonly kubeconfigPath: string;
  readonly server: string;
  readonly token: string;
  readonly caData: string;
  readonly caFile: string;
  readonly dir: string;
  readonly auditLogPath?: string;
  readonly etcdEndpoint: string;
  startupSeconds = 0;

  private readonly bin: string;
  private readonly keepDir: boolean;
  private readonly ca: string;
  private readonly procs = new Map<Component, ChildProcess>();
  private readonly args = new Map<Component, string[]>();
  private stopped = false;

  constructor(init: {
    name: string;
    dir: string;
    bin: string;
    keepDir: boolean;
    apiserverPort: number;
    etcdPort: number;
    audit: boolean;
  }) {
    this.name = init.name;
    this.dir = init.dir;
    this.bin = init.bin;
    this.keepDir = init.keepDir;
    this.server = `https://127.0.0.1:${init.apiserverPort}`;
    this.etcdEndpoint = `http://127.0.0.1:${init.etcdPort}`;
    this.token = newToken();
    this.caFile = path.join(init.dir, 'certs', 'ca.crt');
    this.kubeconfigPath = path.join(init.dir, 'kubeconfig');
    if (init.audit) this.auditLogPath = path.join(init.dir, 'audit.log');
    execFileSync(path.join(init.bin, 'cluster-util'), [
      'certs',
      path.join(init.dir, 'certs'),
    ]);
    this.ca = fs.readFileSync(this.caFile, 'utf8');
    this.caData = Buffer.from(this.ca).toString('base64');
  }

  pids(): Partial<Record<Component, number>> {
    const out: Partial<Record<Component, number>> = {};
    for (const [c, p] of this.procs)
      if (p.exitCode === null && p.signalCode === null) out[c] = p.pid;
    return out;
  }

  logPath(component: Component): string {
    return path.join(this.dir, 'logs', `${component}.log`);
  }

  writeKubeconfig(file: string, token: string, user = 'user'): string {
    fs.writeFileSync(
      file,
      kubeconfigYaml(this.name, this.server, this.caData, user, token),
      {
        mode: 0o600,
      },
    );
    return file;
  }

  /** Start a component detached, logging to logs/<component>.log. */
  spawnComponent(component: Component, args: string[]): void {
    this.args.set(component, args);
    const log = fs.openSync(this.logPath(component), 'a');
    const exe = path.join(this.bin, component);
    const [cmd, argv] = setprivPath
      ? [setprivPath, ['--pdeathsig', 'KILL', '--', exe, ...args]]
      : [exe, args];
    const child = spawn(cmd, argv, {
      detached: true,
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    live.procs.add(child);
    child.once('exit', () => live.procs.delete(child));
    child.once('error', () => live.procs.delete(child));
    this.procs.set(component, child);
  }

  /** Throws (with the log tail) if a component has died; used while waiting. */
  assertAlive(): void {
    for (const [c, p] of this.procs) {
      if (p.exitCode !== null || p.signalCode !== null) {
        const status = p.exitCode ?? p.signalCode;
        const logTail = tail(this.logPath(c), 30);
        throw new Error(
          `${c} of cluster ${this.name} exited (${status}); log ${this.logPath(
            c,
          )}:\n${logTail}`,
        );
      }
    }
  }

  async waitFor(
    what: string,
    deadline: number,
    check: () => Promise<boolean>,
  ): Promise<void> {
    for (;;) {
      this.assertAlive();
      try {
        if (await check()) return;
      } catch {
        // not yet
      }
      if (Date.now() > deadline)
        throw new Error(`cluster ${this.name}: timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  request<T = unknown>(options: RequestOptions): Promise<Response<T>> {
    const url = new URL(options.path, this.server);
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload =
        typeof options.body === 'string' || Buffer.isBuffer(options.body)
          ? Buffer.from(options.body as string | Buffer)
          : Buffer.from(JSON.stringify(options.body));
    }
    return new Promise<Response<T>>((resolve, reject) => {
      const req = https.request(
        url,
        {
          method: options.method ?? (payload ? 'POST' : 'GET'),
          ca: this.ca,
          // a fresh connection per call keeps restarts of the server simple
          agent: false,
          timeout: options.timeoutMs ?? 20_000,
          signal: options.signal,
          headers: {
            Authorization: `Bearer ${options.token ?? this.token}`,
            Accept: 'application/json',
            ...(payload
              ? {
                  'Content-Type': options.contentType ?? 'application/json',
                  'Content-Length': String(payload.length),
                }
              : {}),
            ...options.headers,
          },
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            if ((res.headers['content-type'] ?? '').includes('json')) {
              try {
                body = JSON.parse(text);
              } catch {
                // leave as text
              }
            }
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: body as T,
              text,
            });
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`request ${url.pathname} timed out`)),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  async stopComponent(component: Component, timeoutMs = 15_000): Promise<void> {
    const child = this.procs.get(component);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>(resolve =>
      child.once('exit', () => resolve()),
    );
    killGroupSync(child, 'SIGTERM');
    const timer = setTimeout(() => killGroupSync(child, 'SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  async stopApiserver(): Promise<void> {
    await this.stopComponent('kube-apiserver');
  }

  async startApiserver(timeoutMs = 60_000): Promise<void> {
    const current = this.procs.get('kube-apiserver');
    if (current && current.exitCode === null && current.signalCode === null)
      return;
    const args = this.args.get('kube-apiserver');
    if (!args) throw new Error('kube-apiserver was never started');
    this.spawnComponent('kube-apiserver', args);
    await this.waitForApiserver(Date.now() + timeoutMs);
  }

  async waitForApiserver(deadline: number): Promise<void> {
    await this.waitFor('kube-apiserver /readyz', deadline, async () => {
      const r = await this.request({ path: '/readyz', timeoutMs: 2_000 });
      return r.status === 200;
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Reverse startup order so nothing logs errors about a vanished apiserver
    // longer than necessary; each gets SIGTERM and, after 10 s, SIGKILL.
    for (const c of [...COMPONENTS].reverse())
      await this.stopComponent(c, 10_000);
    live.dirs.delete(this.dir);
    if (!this.keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Kill everything at once (failure path); keeps the logs in a side dir. */
  abortSync(): string {
    for (const p of this.procs.values()) killGroupSync(p, 'SIGKILL');
    this.stopped = true;
    const logs = path.join(
      path.dirname(this.dir),
      `delivery-cluster-${this.name}-failed-logs`,
    );
    try {
      fs.rmSync(logs, { recursive: true, force: true });
      fs.cpSync(path.join(this.dir, 'logs'), logs, { recursive: true });
    } catch {
      // best effort
    }
    live.dirs.delete(this.dir);
    if (!this.keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
    return logs;
  }
}

// ------------------------------------------------------------------ startup

/**
 * Start one cluster and wait until it is usable: /readyz ok, all fake nodes
 * Ready, ServiceAccount default/default present, CRDs Established.
 * On failure every process is killed, logs are copied to
 * <baseDir>/delivery-cluster-<name>-failed-logs, and the error is thrown.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  try {
    return await startClusterOnce(options);
  } catch (err) {
    // freePorts() releases its ports before etcd/kube-apiserver bind them;
    // if another process took one in between, start over once on new ports.
    if (!/address already in use/.test(String(err))) throw err;
    return startClusterOnce(options);
  }
}

async function startClusterOnce(options: ClusterOptions): Promise<Cluster> {
  const { name } = options;
  if (!/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(name)) {
    throw new Error(
      `cluster name '${name}' must be a DNS label of at most 32 chars`,
    );
  }
  const started = Date.now();
  const deadline = started + (options.startTimeoutMs ?? 120_000);
  const tools = findToolsDir(options.toolsDir);
  const bin = options.binDir ?? ensureBinaries(tools);
  const nodes = options.nodes ?? 1;
  installHandlers();

  const baseDir = options.baseDir ?? os.tmpdir();
  sweepStaleDirs(baseDir);
  const dir = fs.mkdtempSync(path.join(baseDir, `delivery-cluster-${name}-`));
  if (!options.keepDir) live.dirs.add(dir);
  fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  // a kept dir is never swept (see sweepStaleDirs)
  if (options.keepDir) fs.writeFileSync(path.join(dir, 'keep'), '');
  fs.mkdirSync(path.join(dir, 'logs'));
  fs.mkdirSync(path.join(dir, 'etcd'), { mode: 0o700 });
  const [etcdPort, etcdPeerPort, apiserverPort] = await freePorts(3);
  const cluster = new LocalCluster({
    name,
    dir,
    bin,
    keepDir: options.keepDir ?? false,
    apiserverPort,
    etcdPort,
    audit: options.audit ?? false,
  });

  try {
    // One static token per component, so an audit log tells who did what.
    const tokens = { kcm: newToken(), scheduler: newToken(), kwok: newToken() };
    fs.writeFileSync(
      path.join(dir, 'tokens.csv'),
      [
        `${cluster.token},admin,admin,"system:masters"`,
        `${tokens.kcm},system:kube-controller-manager,system:kube-controller-manager`,
        `${tokens.scheduler},system:kube-scheduler,system:kube-scheduler`,
        `${tokens.kwok},kwok,kwok,"system:masters"`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    cluster.writeKubeconfig(cluster.kubeconfigPath, cluster.token, 'admin');
    const kcmKubeconfig = cluster.writeKubeconfig(
      path.join(dir, 'kcm.kubeconfig'),
      tokens.kcm,
      'system:kube-controller-manager',
    );
    const schedKubeconfig = cluster.writeKubeconfig(
      path.join(dir, 'scheduler.kubeconfig'),
      tokens.scheduler,
      'system:kube-scheduler',
    );
    const kwokKubeconfig = cluster.writeKubeconfig(
      path.join(dir, 'kwok.kubeconfig'),
      tokens.kwok,
      'kwok',
    );
    const certs = path.join(dir, 'certs');

    // etcd: loopback only; --unsafe-no-fsync because test data is disposable
    // and fsync dominates write latency on CI disks.
    cluster.spawnComponent('etcd', [
      `--name=${name}`,
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=${name}=http://127.0.0.1:${etcdPeerPort}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
      '--quota-backend-bytes=2147483648',
    ]);
    await cluster.waitFor('etcd', deadline, () =>
      httpOk(`http://127.0.0.1:${etcdPort}/health`),
    );

    const apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiserverPort}`,
      // The "kubernetes" Service endpoint would be the advertise address,
      // which must stay loopback and which Endpoints validation rejects.
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${path.join(certs, 'apiserver.crt')}`,
      `--tls-private-key-file=${path.join(certs, 'apiserver.key')}`,
      `--client-ca-file=${path.join(certs, 'ca.crt')}`,
      `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${path.join(certs, 'sa.pub')}`,
      `--service-account-signing-key-file=${path.join(certs, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      '--profiling=false',
      // Without this a SIGTERM'd API server waits ~60 s for open watches
      // (controllers, kwok, tests) to end; with it, it exits in ~1 s.
      '--shutdown-watch-termination-grace-period=1s',
      `--watch-cache=${options.watchCache ?? true}`,
    ];
    if (cluster.auditLogPath) {
      const policy = path.join(dir, 'audit-policy.yaml');
      fs.copyFileSync(path.join(tools, 'audit-policy.yaml'), policy);
      apiserverArgs.push(
        `--audit-policy-file=${policy}`,
        `--audit-log-path=${cluster.auditLogPath}`,
        '--audit-log-format=json',
        // blocking: the line is written before the response is sent, so a
        // test can read the log right after its request returns.
        '--audit-log-mode=blocking',
        '--audit-log-maxsize=0',
      );
    }
    apiserverArgs.push(...(options.apiserverArgs ?? []));
    cluster.spawnComponent('kube-apiserver', apiserverArgs);
    await cluster.waitForApiserver(deadline);

    cluster.spawnComponent('kube-controller-manager', [
      `--kubeconfig=${kcmKubeconfig}`,
      `--authentication-kubeconfig=${kcmKubeconfig}`,
      `--authorization-kubeconfig=${kcmKubeconfig}`,
      '--bind-address=127.0.0.1',
      // 0 = no HTTPS endpoint: nothing probes it, and fixed default ports
      // (10257) would collide between side-by-side clusters.
      '--secure-port=0',
      '--leader-elect=false',
      '--controllers=*',
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${path.join(certs, 'sa.key')}`,
      `--root-ca-file=${path.join(certs, 'ca.crt')}`,
      `--cluster-name=${name}`,
      // kwok heartbeats can be late while 2 CI cores are saturated.
      '--node-monitor-grace-period=60s',
      ...(options.controllerManagerArgs ?? []),
    ]);
    cluster.spawnComponent('kube-scheduler', [
      `--kubeconfig=${schedKubeconfig}`,
      `--authentication-kubeconfig=${schedKubeconfig}`,
      `--authorization-kubeconfig=${schedKubeconfig}`,
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--leader-elect=false',
    ]);
    cluster.spawnComponent('kwok', [
      `--kubeconfig=${kwokKubeconfig}`,
      `--config=${path.join(tools, 'kwok', 'stages.yaml')}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-lease-duration-seconds=40',
    ]);

    for (let i = 1; i <= nodes; i++) {
      const r = await cluster.request({
        method: 'POST',
        path: '/api/v1/nodes',
        body: fakeNode(`kwok-node-${i}`),
      });
      if (r.status !== 201)
        throw new Error(
          `creating node kwok-node-${i}: HTTP ${r.status} ${r.text}`,
        );
    }
    await cluster.waitFor(`${nodes} node(s) Ready`, deadline, async () => {
      const r = await cluster.request<{
        items: Array<{ status?: { conditions?: Condition[] } }>;
      }>({
        path: '/api/v1/nodes',
      });
      const ready = r.body.items.filter(n =>
        isTrue(n.status?.conditions, 'Ready'),
      ).length;
      return ready >= nodes;
    });
    // Pods are rejected by the ServiceAccount admission plugin until the
    // serviceaccount controller has created "default" in the namespace.
    await cluster.waitFor(
      'ServiceAccount default/default',
      deadline,
      async () => {
        const r = await cluster.request({
          path: '/api/v1/namespaces/default/serviceaccounts/default',
        });
        return r.status === 200;
      },
    );

    let crdFiles: string[] = [];
    if (Array.isArray(options.crds)) crdFiles = options.crds;
    else if (options.crds !== false) {
      crdFiles = fs
        .readdirSync(path.join(tools, 'crds'))
        .filter(f => f.endsWith('.yaml'))
        .sort()
        .map(f => path.join(tools, 'crds', f));
    }
    await applyCrds(cluster, crdFiles, deadline);

    cluster.startupSeconds = (Date.now() - started) / 1000;
    return cluster;
  } catch (err) {
    const logs = cluster.abortSync();
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(
      `starting cluster ${name} failed: ${message}\n(logs kept in ${logs})`,
    );
  }
}

/**
 * Start several clusters side by side (own ports, temp dirs, etcd each).
 * At most `concurrency` (default 3) start at once: on 2 cores, more parallel
 * starts only stretch every start. If one fails, the started ones are
 * stopped and the first error is thrown.
 */
export async function startClusters(
  names: string[],
  options: Omit<ClusterOptions, 'name'> & { concurrency?: number } = {},
): Promise<Cluster[]> {
  const { concurrency = 3, ...clusterOptions } = options;
  // Build (or find) the binaries once, not once per cluster.
  const binDir =
    clusterOptions.binDir ?? ensureBinaries(clusterOptions.toolsDir);
  const clusters: Cluster[] = new Array(names.length);
  let firstError: unknown;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length && firstError === undefined) {
      const i = next++;
      try {
        clusters[i] = await startCluster({
          ...clusterOptions,
          name: names[i],
          binDir,
        });
      } catch (err) {
        if (firstError === undefined) firstError = err;
      }
    }
  };
  await Promise.all(
    Array.from(
      { length: Math.max(1, Math.min(concurrency, names.length)) },
      worker,
    ),
  );
  if (firstError !== undefined) {
    await Promise.all(clusters.filter(Boolean).map(c => c.stop()));
    throw firstError;
  }
  return clusters;
}

// ------------------------------------------------------------------ details

/**
 * A test runner killed with SIGKILL runs no handler: its children die with it
 * (pdeathsig) but its temp dirs stay. Remove such dirs whose owner is gone.
 */
function sweepStaleDirs(baseDir: string): void {
  let entries: string[];
  try {
    entries = fs
      .readdirSync(baseDir)
      .filter(
        e => e.startsWith('delivery-cluster-') && !e.endsWith('-failed-logs'),
      );
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = path.join(baseDir, entry);
    try {
      const owner = Number(
        fs.readFileSync(path.join(dir, 'owner.pid'), 'utf8'),
      );
      if (!owner || pidAlive(owner)) continue;
      if (fs.existsSync(path.join(dir, 'keep'))) continue;
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // not ours or already gone
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Condition {
  type: string;
  status: string;
}

function isTrue(conditions: Condition[] | undefined, type: string): boolean {
  return (conditions ?? []).some(c => c.type === type && c.status === 'True');
}

function fakeNode(name: string): object {
  const resources = { cpu: '32', memory: '256Gi', pods: '250' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      // kwok manages only nodes with this annotation (--manage-nodes-with-
      // annotation-selector), so real nodes would never be touched.
      annotations: {
        'kwok.x-k8s.io/node': 'fake',
        'node.alpha.kubernetes.io/ttl': '0',
      },
      labels: {
        type: 'kwok',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
    },
    status: { allocatable: resources, capacity: resources },
  };
}

function httpOk(url: string): Promise<boolean> {
  return new Promise(resolve => {
    const req = http.get(url, { timeout: 2_000 }, res => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/**
 * POST each CRD document as YAML (the API server decodes application/yaml
 * itself, so no YAML parser is needed here), then wait for Established.
 */
async function applyCrds(
  cluster: LocalCluster,
  files: string[],
  deadline: number,
): Promise<void> {
  const names: string[] = [];
  for (const file of files) {
    for (const doc of yamlDocuments(fs.readFileSync(file, 'utf8'))) {
      const r = await cluster.request<{ metadata?: { name?: string } }>({
        method: 'POST',
        path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
        body: doc,
        contentType: 'application/yaml',
      });
      if (r.status === 409) {
        const m = /^metadata:\s*\n\s+name:\s*(\S+)/m.exec(doc);
        if (m) names.push(m[1]);
        continue;
      }
      if (r.status !== 201 || !r.body.metadata?.name) {
        throw new Error(
          `applying a CRD from ${file}: HTTP ${r.status} ${r.text}`,
        );
      }
      names.push(r.body.metadata.name);
    }
  }
  for (const crd of names) {
    await cluster.waitFor(`CRD ${crd} Established`, deadline, async () => {
      const r = await cluster.request<{
        status?: { conditions?: Condition[] };
      }>({
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`,
      });
      return isTrue(r.body.status?.conditions, 'Established');
    });
  }
}
