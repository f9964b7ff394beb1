import { createHash } from 'crypto';
import type { PodTemplate, Workload } from './types';

/**
 * Hashes that end up in Canary status.
 *
 * `lastAppliedSpec`/`lastPromotedSpec`: Flagger's values are FNV-32a over a go-spew dump, which TypeScript cannot
 * reproduce, so we write our own, recognisable by a prefix. A value without the prefix is "foreign" (written by
 * Flagger) and is adopted once instead of starting a run (see decide/changes.ts).
 *
 * `trackedConfigs`: Flagger's checksum is reproducible (SHA-256 over Go's JSON encoding), so we match it exactly and
 * existing values stay valid after migration.
 */

export const SPEC_HASH_PREFIX = 'd1-';

/** The nodeSelector Flagger adds to a DaemonSet to scale it to zero; not part of the spec identity. */
export const SCALE_TO_ZERO_NODE_SELECTOR = 'flagger.app/scale-to-zero';

export function isOwnSpecHash(value: string | undefined): boolean {
  return value !== undefined && value.startsWith(SPEC_HASH_PREFIX);
}

/** JSON with object keys sorted and undefined members dropped, so equal templates hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map(v => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter(k => record[k] !== undefined)
    .sort();
  return `{${keys.map(k => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

/** `d1-` + the first 10 hex digits of SHA-256 over the canonical JSON of the pod template. */
export function podTemplateHash(template: PodTemplate): string {
  const digest = createHash('sha256').update(canonicalJson(template), 'utf8').digest('hex');
  return `${SPEC_HASH_PREFIX}${digest.slice(0, 10)}`;
}

/** The spec identity of a target: its pod template, minus the DaemonSet scale-to-zero marker. */
export function targetSpecHash(target: Workload): string {
  let template = target.spec.template;
  const nodeSelector = template.spec?.nodeSelector;
  if (target.kind === 'DaemonSet' && nodeSelector && SCALE_TO_ZERO_NODE_SELECTOR in nodeSelector) {
    const { [SCALE_TO_ZERO_NODE_SELECTOR]: _dropped, ...rest } = nodeSelector;
    const spec = { ...template.spec };
    if (Object.keys(rest).length > 0) spec.nodeSelector = rest;
    else delete spec.nodeSelector;
    template = { ...template, spec };
  }
  return podTemplateHash(template);
}

const HEX = '0123456789abcdef';

/** A string encoded like Go's encoding/json with HTML escaping (the default of json.Marshal). */
export function goJsonString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const ch = value[i];
    if (ch === '"' || ch === '\\') {
      out += `\\${ch}`;
    } else if (code < 0x20) {
      const short: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
      out += short[code] ?? `\\u00${HEX[code >> 4]}${HEX[code & 15]}`;
    } else if (ch === '<' || ch === '>' || ch === '&') {
      out += `\\u00${HEX[code >> 4]}${HEX[code & 15]}`;
    } else if (code === 0x2028 || code === 0x2029) {
      out += `\\u202${code === 0x2028 ? '8' : '9'}`;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += ch + value[i + 1];
        i++;
      } else {
        out += '\ufffd'; // Go replaces invalid UTF-8 (here: a lone surrogate) with U+FFFD
      }
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      out += '\ufffd';
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}

function byCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Go's json.Marshal of a map[string]string (or map[string][]byte given as base64): sorted keys, nil → null. */
export function goJsonStringMap(data: Record<string, string> | undefined | null): string {
  if (data === undefined || data === null) return 'null';
  // Go sorts map keys by their UTF-8 bytes; for the key sets Kubernetes allows this equals code-unit order.
  const keys = Object.keys(data).sort(byCodeUnits);
  return `{${keys.map(k => `${goJsonString(k)}:${goJsonString(data[k])}`).join(',')}}`;
}

/**
 * Flagger's config checksum: first 8 bytes (16 hex digits) of SHA-256 over the Go JSON encoding of `.data`.
 * For Secrets pass `.data` as served (base64 strings), which is how Go encodes `[]byte` values.
 */
export function configChecksum(data: Record<string, string> | undefined | null): string {
  return createHash('sha256').update(goJsonStringMap(data), 'utf8').digest('hex').slice(0, 16);
}
