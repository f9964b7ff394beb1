import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  Canary,
  CanarySpec,
  ObjectMeta,
  effectiveAnalysis,
  parseDurationSeconds,
} from '@delivery/plugin-delivery-common';
import type { Projector } from './listWatch';
import { StringPool } from './stringPool';
import { KubeObject } from './types';

/**
 * Canaries of observed clusters are kept as a `CanaryRecord`: the whole object deflated into a string, for the
 * details view, its YAML and the actions, which read one canary at a time, plus the few fields the fleet reads when
 * something else changes (a workload, an event) and the row is rebuilt. Whatever a row shows of the canary itself is
 * in the row: rows are built from the whole canary, which every change event carries (see `ListWatchOptions.compactor`),
 * so the record keeps no copy of it. A cached canary as parsed JSON is several KiB of small objects.
 */
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

/**
 * The facts a fleet row needs of its canary beyond the fields it shows, so a row can be rebuilt when only a workload
 * or an event changed without unpacking the canary.
 */
export interface CanaryFacts {
  targetKind?: string;
  targetName: string;
  /** The Promoted condition's message and update time: with the events they decide the row's message. */
  promotedMessage?: string;
  promotedUpdateTime?: string;
  /** An active run with no status write for longer than this is stuck (progress deadline plus one interval). */
  stuckAfterSeconds: number;
}

export function canaryFacts(c: Canary): CanaryFacts {
  const spec: Partial<CanarySpec> = c.spec ?? {};
  const promoted = c.status?.conditions?.find(x => x.type === 'Promoted');
  const interval = parseDurationSeconds(effectiveAnalysis(spec as CanarySpec)?.interval) ?? 60;
  return {
    targetKind: spec.targetRef?.kind,
    targetName: spec.targetRef?.name ?? '',
    promotedMessage: promoted?.message,
    promotedUpdateTime: promoted?.lastUpdateTime,
    stuckAfterSeconds: (spec.progressDeadlineSeconds ?? 600) + interval,
  };
}

/**
 * One canary of an observed cluster, flat: its identity (the record is its own `metadata`), the facts above and the
 * deflated whole. Strings shared with the row built from the same canary (name, target, message) are the same
 * objects, so the record adds little beyond the deflated text.
 */
export class CanaryRecord implements KubeObject, CanaryFacts {
  [key: string]: unknown;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly targetKind?: string;
  readonly targetName: string;
  readonly promotedMessage?: string;
  readonly promotedUpdateTime?: string;
  readonly stuckAfterSeconds: number;
  readonly packed: string;

  constructor(full: Canary, pool: StringPool) {
    const m = full.metadata;
    const facts = canaryFacts(full);
    this.apiVersion = pool.intern(full.apiVersion);
    this.kind = pool.intern(full.kind);
    this.name = m.name;
    this.namespace = pool.intern(m.namespace);
    this.uid = m.uid;
    this.resourceVersion = m.resourceVersion;
    this.targetKind = pool.intern(facts.targetKind);
    // Usually the canary's own name: one string for both.
    this.targetName = facts.targetName === m.name ? m.name : facts.targetName;
    this.promotedMessage = pool.intern(facts.promotedMessage);
    const t = facts.promotedUpdateTime;
    this.promotedUpdateTime = t === full.status?.lastTransitionTime ? full.status?.lastTransitionTime : t;
    this.stuckAfterSeconds = facts.stuckAfterSeconds;
    // latin1 keeps one byte per deflated byte in a plain string: no Buffer (and no pooled slab) per canary.
    this.packed = deflateRawSync(JSON.stringify(full), ZLIB).toString('latin1');
  }

  get metadata(): ObjectMeta {
    return this as unknown as ObjectMeta;
  }

  /** Serializes as the whole canary it stands for. */
  toJSON(): Canary {
    return fullCanary(this)!;
  }
}

/** Compactor for Canaries of observed clusters (see `ListWatchOptions.compactor`). */
export function canaryRecordCompactor(pool = new StringPool()): Projector {
  return obj => new CanaryRecord(obj as unknown as Canary, pool) as unknown as KubeObject;
}

/** The facts of a cached canary, whether it is kept as a record or whole. */
export function factsOf(obj: KubeObject | Canary): CanaryFacts {
  return obj instanceof CanaryRecord ? obj : canaryFacts(obj as Canary);
}

/** The whole canary: inflated from a compact one, or the object itself when it was kept whole. */
export function fullCanary(obj: KubeObject | Canary | undefined): Canary | undefined {
  if (!obj) return undefined;
  if (!(obj instanceof CanaryRecord)) return obj as Canary;
  return JSON.parse(inflateRawSync(Buffer.from(obj.packed, 'latin1'), ZLIB).toString('utf8'));
}
