import { configChecksum } from './hash';
import type { ConfigMapObject, PodSpec, SecretObject } from './types';

/**
 * ConfigMap/Secret tracking (b.10): which configs a target uses, their checksums, whether they changed, and the
 * primary's pod spec with references renamed to the `-primary` copies.
 */

export const CONFIG_TRACKING_ANNOTATION = 'flagger.app/config-tracking';
const TRACKED_SECRET_TYPES = ['Opaque', 'kubernetes.io/basic-auth', 'kubernetes.io/ssh-auth', 'kubernetes.io/tls'];

export interface ConfigRefs {
  /** name → required (false when every reference is `optional: true`; the last reference wins, as in Flagger). */
  configMaps: Map<string, boolean>;
  secrets: Map<string, boolean>;
}

const required = (optional: boolean | undefined) => optional !== true;

/** Every ConfigMap and Secret the pod spec references through volumes, projections, env and envFrom. */
export function configRefsOf(spec: PodSpec | undefined): ConfigRefs {
  const refs: ConfigRefs = { configMaps: new Map(), secrets: new Map() };
  for (const v of spec?.volumes ?? []) {
    if (v.configMap?.name) refs.configMaps.set(v.configMap.name, required(v.configMap.optional));
    if (v.secret?.secretName) refs.secrets.set(v.secret.secretName, required(v.secret.optional));
    for (const src of v.projected?.sources ?? []) {
      if (src.configMap?.name) refs.configMaps.set(src.configMap.name, required(src.configMap.optional));
      if (src.secret?.name) refs.secrets.set(src.secret.name, required(src.secret.optional));
    }
  }
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      const cm = e.valueFrom?.configMapKeyRef;
      const sec = e.valueFrom?.secretKeyRef;
      if (cm?.name) refs.configMaps.set(cm.name, required(cm.optional));
      else if (sec?.name) refs.secrets.set(sec.name, required(sec.optional));
    }
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef?.name) refs.configMaps.set(e.configMapRef.name, required(e.configMapRef.optional));
      else if (e.secretRef?.name) refs.secrets.set(e.secretRef.name, required(e.secretRef.optional));
    }
  }
  return refs;
}

export interface TrackedConfig {
  kind: 'configmap' | 'secret';
  name: string;
  checksum: string;
  object: ConfigMapObject | SecretObject;
}

export type TrackedConfigsResult =
  | { ok: true; configs: TrackedConfig[]; /** `configmap/<n>` → checksum, as written to status */ map: Record<string, string> }
  | { ok: false; error: string };

const disabled = (annotations: Record<string, string> | undefined) =>
  (annotations?.[CONFIG_TRACKING_ANNOTATION] ?? '').startsWith('disable');

/**
 * The tracked configs of a target, from the objects found in the namespace. A missing required object is an
 * error for the tick (Flagger's wording); a missing optional one is skipped.
 */
export function trackedConfigs(
  spec: PodSpec | undefined,
  namespace: string,
  found: { configMaps: Record<string, ConfigMapObject>; secrets: Record<string, SecretObject> },
  enabled = true,
): TrackedConfigsResult {
  const configs: TrackedConfig[] = [];
  if (!enabled) return { ok: true, configs, map: {} };
  const refs = configRefsOf(spec);
  for (const [name, isRequired] of refs.configMaps) {
    const cm = found.configMaps[name];
    if (!cm) {
      if (isRequired) {
        return { ok: false, error: `configmap ${name}.${namespace} get query error: configmaps "${name}" not found` };
      }
      continue;
    }
    if (disabled(cm.metadata.annotations)) continue;
    configs.push({ kind: 'configmap', name, checksum: configChecksum(cm.data), object: cm });
  }
  for (const [name, isRequired] of refs.secrets) {
    const secret = found.secrets[name];
    if (!secret) {
      if (isRequired) {
        return { ok: false, error: `secret ${name}.${namespace} get query error: secrets "${name}" not found` };
      }
      continue;
    }
    if (!TRACKED_SECRET_TYPES.includes(secret.type ?? 'Opaque') || disabled(secret.metadata.annotations)) continue;
    configs.push({ kind: 'secret', name, checksum: configChecksum(secret.data), object: secret });
  }
  const map: Record<string, string> = {};
  for (const cfg of configs) map[`${cfg.kind}/${cfg.name}`] = cfg.checksum;
  return { ok: true, configs, map };
}

/** Flagger's HasConfigChanged: any checksum differs or the set size differs; none tracked and no status → same. */
export function haveConfigsChanged(
  tracked: Record<string, string> | undefined,
  current: Record<string, string>,
): boolean {
  const currentKeys = Object.keys(current);
  if (currentKeys.length === 0 && tracked === undefined) return false;
  if (tracked === undefined) return true;
  if (currentKeys.length !== Object.keys(tracked).length) return true;
  return currentKeys.some(k => tracked[k] !== current[k]);
}

/** The pod spec with references to tracked configs pointing at their `-primary` copies. */
export function withPrimaryConfigRefs(spec: PodSpec | undefined, tracked: TrackedConfig[]): PodSpec {
  const copy: PodSpec = JSON.parse(JSON.stringify(spec ?? {}));
  const cm = new Set(tracked.filter(t => t.kind === 'configmap').map(t => t.name));
  const sec = new Set(tracked.filter(t => t.kind === 'secret').map(t => t.name));
  const rename = (name: string) => `${name}-primary`;
  for (const v of copy.volumes ?? []) {
    if (v.configMap && cm.has(v.configMap.name)) v.configMap.name = rename(v.configMap.name);
    if (v.secret && sec.has(v.secret.secretName)) v.secret.secretName = rename(v.secret.secretName);
    for (const src of v.projected?.sources ?? []) {
      if (src.configMap && cm.has(src.configMap.name)) src.configMap.name = rename(src.configMap.name);
      if (src.secret && sec.has(src.secret.name)) src.secret.name = rename(src.secret.name);
    }
  }
  for (const c of [...(copy.containers ?? []), ...(copy.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      const cmRef = e.valueFrom?.configMapKeyRef;
      const secRef = e.valueFrom?.secretKeyRef;
      if (cmRef && cm.has(cmRef.name)) cmRef.name = rename(cmRef.name);
      else if (secRef && sec.has(secRef.name)) secRef.name = rename(secRef.name);
    }
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef && cm.has(e.configMapRef.name)) e.configMapRef.name = rename(e.configMapRef.name);
      else if (e.secretRef && sec.has(e.secretRef.name)) e.secretRef.name = rename(e.secretRef.name);
    }
  }
  return copy;
}
