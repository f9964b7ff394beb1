/**
 * The few Kubernetes calls the demo makes (apply manifests, read and patch objects), over HTTPS with the cluster's CA
 * and a bearer token. Kept dependency-free except `yaml`, so the demo needs no kubectl.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import YAML from 'yaml';

export interface ClusterAccess {
  name: string;
  server: string;
  token: string;
  /** Base64 PEM of the API server CA. */
  caData: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export class KubeError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** One call to the API server; JSON in and out; a 10 s deadline unless told otherwise. */
export function kubeRequest<T = unknown>(
  cluster: ClusterAccess,
  method: string,
  apiPath: string,
  body?: unknown,
  contentType = 'application/json',
  timeoutMs = 10_000,
): Promise<T> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(apiPath, cluster.server),
      {
        method,
        ca: Buffer.from(cluster.caData, 'base64'),
        timeout: timeoutMs,
        headers: {
          Authorization: `Bearer ${cluster.token}`,
          Accept: 'application/json',
          ...(payload ? { 'Content-Type': contentType, 'Content-Length': String(payload.length) } : {}),
        },
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 300) {
            let reason = text.slice(0, 300);
            try {
              reason = (JSON.parse(text) as { message?: string }).message ?? reason;
            } catch {
              // not JSON; keep the text
            }
            reject(new KubeError(`${cluster.name}: ${method} ${apiPath} → ${status}: ${reason}`, status));
            return;
          }
          resolve((text ? JSON.parse(text) : undefined) as T);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${cluster.name}: ${method} ${apiPath}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** REST location of the kinds the demo manifests use; anything else is reported instead of guessed. */
const KINDS: Record<string, { prefix: string; plural: string; namespaced: boolean }> = {
  'v1/Namespace': { prefix: '/api/v1', plural: 'namespaces', namespaced: false },
  'v1/ServiceAccount': { prefix: '/api/v1', plural: 'serviceaccounts', namespaced: true },
  'v1/Secret': { prefix: '/api/v1', plural: 'secrets', namespaced: true },
  'v1/Service': { prefix: '/api/v1', plural: 'services', namespaced: true },
  'v1/ConfigMap': { prefix: '/api/v1', plural: 'configmaps', namespaced: true },
  'apps/v1/Deployment': { prefix: '/apis/apps/v1', plural: 'deployments', namespaced: true },
  'rbac.authorization.k8s.io/v1/ClusterRole': {
    prefix: '/apis/rbac.authorization.k8s.io/v1',
    plural: 'clusterroles',
    namespaced: false,
  },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
    prefix: '/apis/rbac.authorization.k8s.io/v1',
    plural: 'clusterrolebindings',
    namespaced: false,
  },
  'rbac.authorization.k8s.io/v1/Role': { prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'roles', namespaced: true },
  'rbac.authorization.k8s.io/v1/RoleBinding': {
    prefix: '/apis/rbac.authorization.k8s.io/v1',
    plural: 'rolebindings',
    namespaced: true,
  },
  'flagger.app/v1beta1/Canary': { prefix: '/apis/flagger.app/v1beta1', plural: 'canaries', namespaced: true },
  'flagger.app/v1beta1/MetricTemplate': {
    prefix: '/apis/flagger.app/v1beta1',
    plural: 'metrictemplates',
    namespaced: true,
  },
};

/** The object's URL (without query); throws for a kind the table does not know. */
export function objectPath(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const k = KINDS[`${o.apiVersion}/${o.kind}`];
  if (!k) {
    throw new Error(
      `${o.kind} ${o.metadata.name}: apiVersion/kind "${o.apiVersion}/${o.kind}" is not known to scripts/demo/kube.ts; add it to KINDS`,
    );
  }
  const ns = k.namespaced ? `/namespaces/${o.metadata.namespace ?? 'default'}` : '';
  return `${k.prefix}${ns}/${k.plural}/${o.metadata.name}`;
}

/** Server-side apply: creates or updates, idempotent, owned by the field manager `delivery-demo`. */
export async function apply(cluster: ClusterAccess, o: KubeObject): Promise<void> {
  await kubeRequest(
    cluster,
    'PATCH',
    `${objectPath(o)}?fieldManager=delivery-demo&force=true`,
    o,
    'application/apply-patch+yaml',
  );
}

/**
 * Objects of a kustomize directory, reading only its `resources:` list (files and directories, recursively) —
 * enough for the demo's and the RBAC manifests, which use nothing else of kustomize.
 */
export function loadKustomization(dir: string): KubeObject[] {
  const file = path.join(dir, 'kustomization.yaml');
  const k = YAML.parse(fs.readFileSync(file, 'utf8')) as { resources?: string[] };
  const out: KubeObject[] = [];
  for (const r of k.resources ?? []) {
    const p = path.resolve(dir, r);
    if (fs.statSync(p).isDirectory()) out.push(...loadKustomization(p));
    else out.push(...loadManifests(p));
  }
  return out;
}

export function loadManifests(file: string): KubeObject[] {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map(d => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => !!o && typeof o === 'object' && !!o.kind);
}

/** A ServiceAccount token from the TokenRequest API (the kind kubelets mount), valid for `seconds`. */
export async function serviceAccountToken(
  cluster: ClusterAccess,
  namespace: string,
  name: string,
  seconds: number,
): Promise<string> {
  const res = await kubeRequest<{ status: { token: string } }>(
    cluster,
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: seconds } },
  );
  return res.status.token;
}
