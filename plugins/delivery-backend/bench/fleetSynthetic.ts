/**
 * A synthetic API server for the fleet benchmarks that holds nothing: each LIST page is generated on request and
 * goes through JSON text and back, as a real HTTP response does, so the backend's memory is measured without the
 * fake server's copies in the same heap and every object the cache keeps is freshly parsed (no strings or sub-objects
 * shared between objects, unlike an in-memory server handing out references).
 *
 * The objects look like what a Helm-installed service with Flagger returns from a real LIST: managedFields, labels
 * and annotations of Helm and the Deployment controller, a pod template with env, probes, resources, volumes and a
 * security context, the Flagger-generated -primary copy of it, and a Canary with HPA, metrics, webhooks and status.
 */
import type { KubeRequest, KubeStreamRequest, KubeTransport } from '../src/kube/clusters';
import { resourcePath } from '../src/kube/clusters';
import { KINDS } from '../src/kube/types';

const NAMESPACES = 20;
const PHASES = ['Succeeded', 'Succeeded', 'Succeeded', 'Progressing', 'Failed', 'WaitingPromotion', 'Initialized'];
const T0 = Date.parse('2026-01-01T00:00:00Z');

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const hex = (seed: number, len: number) => {
  let s = '';
  let x = seed >>> 0 || 1;
  while (s.length < len) {
    x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
    s += x.toString(16).padStart(8, '0');
  }
  return s.slice(0, len);
};
const uid = (seed: number) => {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

function managedFields(manager: string, time: string, fields: object) {
  return [
    { manager, operation: 'Update', apiVersion: 'apps/v1', time, fieldsType: 'FieldsV1', fieldsV1: fields },
    {
      manager: 'kube-controller-manager',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:deployment.kubernetes.io/revision': {} } }, 'f:status': { 'f:availableReplicas': {}, 'f:conditions': {}, 'f:observedGeneration': {}, 'f:readyReplicas': {}, 'f:replicas': {}, 'f:updatedReplicas': {} } },
      subresource: 'status',
    },
  ];
}

function helmLabels(name: string, version: string) {
  return {
    app: name,
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/version': version,
    'app.kubernetes.io/managed-by': 'Helm',
    'helm.sh/chart': `${name}-${version}`,
    'backstage.io/kubernetes-id': name,
  };
}

function podTemplate(name: string, image: string, selectorApp: string, seed: number) {
  return {
    metadata: {
      labels: { app: selectorApp, 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name },
      annotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9797',
        'checksum/config': hex(seed * 7, 64),
        'linkerd.io/inject': 'enabled',
      },
    },
    spec: {
      serviceAccountName: name,
      terminationGracePeriodSeconds: 30,
      securityContext: { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'app',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['./server'],
          args: ['--port=9898', '--port-metrics=9797', '--level=info', `--config=/etc/${name}/config.yaml`],
          ports: [
            { name: 'http', containerPort: 9898, protocol: 'TCP' },
            { name: 'http-metrics', containerPort: 9797, protocol: 'TCP' },
          ],
          env: [
            { name: 'SERVICE_NAME', value: name },
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4317' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
            { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: `${name}-db`, key: 'url' } } },
            { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1' } } },
          ],
          envFrom: [{ configMapRef: { name: `${name}-env` } }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
          livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
          readinessProbe: { httpGet: { path: '/readyz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 2, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
          volumeMounts: [
            { name: 'config', mountPath: `/etc/${name}`, readOnly: true },
            { name: 'tmp', mountPath: '/tmp' },
          ],
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: `${name}-config`, defaultMode: 420 } },
        { name: 'tmp', emptyDir: {} },
      ],
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
    },
  };
}

function deployment(cluster: string, i: number, primary: boolean) {
  const ns = `team-${i % NAMESPACES}`;
  const svc = `svc-${i}`;
  const name = primary ? `${svc}-primary` : svc;
  const version = `1.${i % 7}.${primary ? 0 : 1}`;
  const time = iso(T0 + i * 1000);
  const seed = i * 2 + (primary ? 1 : 0);
  return {
    metadata: {
      name,
      namespace: ns,
      uid: uid(seed * 31 + cluster.length),
      resourceVersion: String(100000 + seed),
      generation: 3,
      creationTimestamp: time,
      labels: primary ? { app: name, 'backstage.io/kubernetes-id': svc } : helmLabels(svc, version),
      annotations: {
        'deployment.kubernetes.io/revision': '3',
        ...(primary ? { 'flagger.app/config-tracking': 'enabled' } : { 'meta.helm.sh/release-name': svc, 'meta.helm.sh/release-namespace': ns }),
      },
      ...(primary
        ? { ownerReferences: [{ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: svc, uid: uid(i * 97), controller: true, blockOwnerDeletion: true }] }
        : {}),
      managedFields: managedFields(primary ? 'flagger' : 'helm', time, {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} }, 'f:annotations': { '.': {} } },
        'f:spec': { 'f:replicas': {}, 'f:selector': {}, 'f:template': { 'f:metadata': { 'f:labels': {}, 'f:annotations': {} }, 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:env': {}, 'f:ports': {}, 'f:resources': {} } }, 'f:volumes': {} } } },
      }),
    },
    spec: {
      replicas: primary ? 2 : 0,
      selector: { matchLabels: { app: name } },
      template: podTemplate(svc, `registry.example.com/team-${i % NAMESPACES}/${svc}:${version}`, name, seed),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: 3,
      replicas: primary ? 2 : 0,
      updatedReplicas: primary ? 2 : 0,
      readyReplicas: primary ? 2 : 0,
      availableReplicas: primary ? 2 : 0,
      conditions: [
        { type: 'Available', status: 'True', lastUpdateTime: time, lastTransitionTime: time, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
        { type: 'Progressing', status: 'True', lastUpdateTime: time, lastTransitionTime: time, reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${name}-${hex(seed, 10)}" has successfully progressed.` },
      ],
    },
  };
}

function canary(cluster: string, i: number) {
  const ns = `team-${i % NAMESPACES}`;
  const name = `svc-${i}`;
  const phase = PHASES[i % PHASES.length];
  const time = iso(T0 + i * 1000);
  return {
    metadata: {
      name,
      namespace: ns,
      uid: uid(i * 97 + cluster.length),
      resourceVersion: String(300000 + i),
      generation: 2,
      creationTimestamp: time,
      labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'Helm', 'helm.sh/chart': `${name}-1.${i % 7}.1` },
      annotations: { 'meta.helm.sh/release-name': name, 'meta.helm.sh/release-namespace': ns },
      managedFields: [
        { manager: 'helm', operation: 'Update', apiVersion: 'flagger.app/v1beta1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { '.': {}, 'f:analysis': {}, 'f:service': {}, 'f:targetRef': {} } } },
        { manager: 'flagger', operation: 'Update', apiVersion: 'flagger.app/v1beta1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { '.': {}, 'f:canaryWeight': {}, 'f:conditions': {}, 'f:phase': {} } }, subresource: 'status' },
      ],
    },
    spec: {
      provider: 'linkerd',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      autoscalerRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name },
      progressDeadlineSeconds: 600,
      service: { port: 9898, targetPort: 9898, portDiscovery: true },
      analysis: {
        interval: '1m',
        threshold: 5,
        maxWeight: 50,
        stepWeight: 10,
        metrics: [
          { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
          { name: 'request-duration', thresholdRange: { max: 500 }, interval: '1m' },
        ],
        webhooks: [
          { name: 'acceptance-test', type: 'pre-rollout', url: 'http://flagger-loadtester.test/', timeout: '30s', metadata: { type: 'bash', cmd: `curl -sd 'test' http://${name}-canary.${ns}:9898/token | grep token` } },
          { name: 'load-test', url: 'http://flagger-loadtester.test/', timeout: '5s', metadata: { cmd: `hey -z 1m -q 10 -c 2 http://${name}-canary.${ns}:9898/` } },
        ],
      },
    },
    status: {
      phase,
      canaryWeight: phase === 'Progressing' ? 20 : 0,
      failedChecks: 0,
      iterations: 0,
      lastAppliedSpec: hex(i * 13, 16),
      lastPromotedSpec: hex(i * 17, 16),
      lastTransitionTime: time,
      trackedConfigs: { [`${name}-config`]: hex(i * 19, 16) },
      conditions: [
        { type: 'Promoted', status: 'True', lastUpdateTime: time, lastTransitionTime: time, reason: phase, message: `Canary analysis completed successfully, promotion finished.` },
      ],
    },
  };
}

/**
 * One synthetic cluster with `canaries` Canaries, each with its target and -primary Deployments. Kinds it does not
 * generate list as empty; WATCHes stay open and silent until aborted.
 */
export class SyntheticFleetTransport implements KubeTransport {
  private readonly generators: Map<string, { count: number; item: (i: number) => object }>;

  constructor(readonly cluster: string, canaries: number) {
    this.generators = new Map([
      [resourcePath(KINDS.canary), { count: canaries, item: i => canary(cluster, i) }],
      [resourcePath(KINDS.deployment), { count: canaries * 2, item: i => deployment(cluster, i >> 1, (i & 1) === 1) }],
    ]);
  }

  async request<T = unknown>(req: KubeRequest): Promise<T> {
    const gen = this.generators.get(req.path);
    const count = gen?.count ?? 0;
    const limit = Number(req.query?.limit ?? count);
    const start = Number(req.query?.continue ?? 0);
    const items = [];
    for (let i = start; i < Math.min(count, start + limit); i++) items.push(gen!.item(i));
    const next = start + limit < count ? String(start + limit) : undefined;
    // Through text and back, as over HTTP: every object the reader keeps is its own.
    return JSON.parse(JSON.stringify({ metadata: { resourceVersion: '500000', continue: next }, items })) as T;
  }

  async stream(req: KubeStreamRequest): Promise<void> {
    if (req.signal?.aborted) return;
    req.onOpen?.();
    await new Promise<void>(resolve => req.signal?.addEventListener('abort', () => resolve(), { once: true }));
  }
}

/** Size of the generated objects as JSON, to state in the results what one object weighs on the wire. */
export function syntheticObjectBytes(): { canary: number; deployment: number } {
  return {
    canary: JSON.stringify(canary('c', 1)).length,
    deployment: JSON.stringify(deployment('c', 1, false)).length,
  };
}
