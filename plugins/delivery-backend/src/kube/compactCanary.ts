import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Canary, CanarySpec, CanaryStatus } from '@delivery/plugin-delivery-common';
import type { Projector } from './listWatch';
import { StringPool } from './stringPool';
import { KubeObject } from './types';

/**
 * Canaries of observed clusters are kept in two parts: a head with what rows, run history and target tracking read
 * on every change, and the whole object deflated into a string for the details view, its YAML and the actions,
 * which read one canary at a time. A cached canary as parsed JSON is several KiB of small objects; the two parts
 * are a fraction of that.
 */
export type CompactCanary = Canary & { packed: string };

/**
 * Field names and values most Canaries share, so each deflated canary refers to them instead of repeating them.
 * Deflate looks back into this text: the most common strings go last.
 */
const DICTIONARY = Buffer.from(
  [
    '"metadata":{"labels":{"app.kubernetes.io/managed-by":"Helm","helm.sh/chart":"","app.kubernetes.io/name":"',
    '"annotations":{"meta.helm.sh/release-name":"","meta.helm.sh/release-namespace":""},"finalizers":["finalizer.flagger.app"]',
    '"autoscalerRef":{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","name":"',
    '"ingressRef":{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","name":"',
    '"service":{"port":80,"targetPort":8080,"portDiscovery":true,"gateways":[],"hosts":[],"trafficPolicy":{"tls":{"mode":"ISTIO_MUTUAL"}}},',
    '"webhooks":[{"name":"acceptance-test","type":"pre-rollout","url":"http://flagger-loadtester.test/","timeout":"30s","metadata":{"type":"bash","cmd":"curl -sd \'test\' http://',
    '{"name":"load-test","type":"rollout","url":"http://flagger-loadtester.test/","timeout":"5s","metadata":{"cmd":"hey -z 1m -q 10 -c 2 http://',
    '{"name":"confirm-promotion","type":"confirm-promotion","url":"',
    '"metrics":[{"name":"request-success-rate","thresholdRange":{"min":99},"interval":"1m"},{"name":"request-duration","thresholdRange":{"max":500},"interval":"1m"}]',
    '"analysis":{"interval":"1m","threshold":5,"maxWeight":50,"stepWeight":10,"iterations":10,"match":[{"headers":{"x-canary":{"exact":"insider"}}}],',
    '"status":{"phase":"Succeeded","canaryWeight":0,"failedChecks":0,"iterations":0,"lastAppliedSpec":"","lastPromotedSpec":"","trackedConfigs":{},',
    '"conditions":[{"type":"Promoted","status":"True","lastUpdateTime":"","lastTransitionTime":"","reason":"Succeeded","message":"Canary analysis completed successfully, promotion finished."}]',
    '"spec":{"provider":"linkerd","targetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"',
    '"progressDeadlineSeconds":600,',
    '{"apiVersion":"flagger.app/v1beta1","kind":"Canary","metadata":{"name":"","namespace":"","uid":"","resourceVersion":"","generation":1,"creationTimestamp":"',
  ].join(''),
);

/**
 * A 4 KiB window holds the dictionary and a typical canary; the smaller window and state make each (one-shot)
 * stream about half as costly to set up as zlib's defaults, which dominate the cost at this size.
 */
const ZLIB = { dictionary: DICTIONARY, windowBits: 12, memLevel: 5, level: 4 };

/** Copies the fields of `src` named in `keys` that are set: an unset field would still take a slot per canary. */
function pick<T extends object, K extends keyof T>(src: T | undefined, keys: readonly K[]): Pick<T, K> | undefined {
  if (!src) return undefined;
  const out = {} as Pick<T, K>;
  for (const k of keys) if (src[k] !== undefined) out[k] = src[k];
  return out;
}

const ANALYSIS_KEYS = ['interval', 'threshold', 'maxWeight', 'stepWeight', 'stepWeights', 'iterations', 'mirror', 'match'] as const;

/** What buildSummary, the run tracker and target tracking read of a canary; keep in step with them (tested). */
export function canaryHead(c: Canary): Canary {
  const spec: CanarySpec = c.spec ?? ({} as CanarySpec);
  const status: CanaryStatus | undefined = c.status;
  const promoted = status?.conditions?.find(x => x.type === 'Promoted');
  const head = {
    apiVersion: c.apiVersion,
    kind: c.kind,
    metadata: pick(c.metadata, ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp']),
    spec: {
      ...pick(spec, ['provider', 'targetRef', 'progressDeadlineSeconds', 'skipAnalysis', 'suspend']),
      service: pick(spec.service, ['name', 'port']),
      ...(spec.analysis ? { analysis: pick(spec.analysis, ANALYSIS_KEYS) } : {}),
      ...(spec.canaryAnalysis ? { canaryAnalysis: pick(spec.canaryAnalysis, ANALYSIS_KEYS) } : {}),
    },
  } as Canary;
  if (status) {
    head.status = pick(status, ['phase', 'canaryWeight', 'iterations', 'failedChecks', 'lastAppliedSpec', 'lastTransitionTime']);
    if (promoted) head.status!.conditions = [pick(promoted, ['type', 'status', 'message', 'lastUpdateTime'])!];
  }
  return head;
}

/** The head's strings that repeat across canaries (namespace, provider, kinds, phase, messages), shared. */
function internHead(head: Canary, pool: StringPool): Canary {
  const { metadata: m, spec, status } = head;
  m.namespace = pool.intern(m.namespace);
  spec.provider = pool.intern(spec.provider);
  if (spec.targetRef) {
    spec.targetRef = { ...spec.targetRef, apiVersion: pool.intern(spec.targetRef.apiVersion), kind: pool.intern(spec.targetRef.kind) };
  }
  const analysis = spec.analysis ?? spec.canaryAnalysis;
  if (analysis) analysis.interval = pool.intern(analysis.interval);
  if (status) {
    status.phase = pool.intern(status.phase);
    // The times are usually one instant written three times; each parsed copy is its own string. Shared only
    // within the canary: unique values would churn the bounded pool.
    const same = (t: string | undefined) => (t !== undefined && t === m.creationTimestamp ? m.creationTimestamp : t);
    status.lastTransitionTime = same(status.lastTransitionTime);
    const promoted = status.conditions?.[0];
    if (promoted) {
      promoted.lastUpdateTime = promoted.lastUpdateTime === status.lastTransitionTime ? status.lastTransitionTime : same(promoted.lastUpdateTime);
      promoted.type = pool.intern(promoted.type);
      promoted.status = pool.intern(promoted.status);
      promoted.message = pool.intern(promoted.message);
    }
  }
  return head;
}

/** Projector for Canaries of observed clusters: the head, plus the whole (already projected) object deflated. */
export function compactCanaryProjector(base: Projector, pool = new StringPool()): Projector {
  return obj => {
    const full = base(obj) as unknown as Canary;
    // latin1 keeps one byte per deflated byte in a plain string: no Buffer (and no pooled slab) per canary.
    const packed = deflateRawSync(JSON.stringify(full), ZLIB).toString('latin1');
    return { ...internHead(canaryHead(full), pool), packed } as unknown as KubeObject;
  };
}

/** The whole canary: inflated from a compact one, or the object itself when it was kept whole. */
export function fullCanary(obj: KubeObject | Canary | undefined): Canary | undefined {
  if (!obj) return undefined;
  const packed = (obj as Partial<CompactCanary>).packed;
  if (typeof packed !== 'string') return obj as Canary;
  return JSON.parse(inflateRawSync(Buffer.from(packed, 'latin1'), ZLIB).toString('utf8'));
}
