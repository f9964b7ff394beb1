import {
  canonicalJson,
  configChecksum,
  goJsonString,
  goJsonStringMap,
  isOwnSpecHash,
  podTemplateHash,
  targetSpecHash,
} from './hash';
import type { Workload } from './types';

describe('configChecksum (Flagger trackedConfigs values)', () => {
  // Expected values computed with Go 1.26: sha256(json.Marshal(data))[:8] as hex, Flagger's formula.
  it.each<[string, Record<string, string> | undefined, string]>([
    ['nil map', undefined, '74234e98afe7498f'],
    ['empty map', {}, '44136fa355b3678a'],
    ['sorted keys', { b: '2', a: '1' }, '21f76dfbfe6dfe21'],
    ['HTML escaping of <>&', { cfg: '<a href="x">&</a>' }, '56c39781d4de5b5b'],
    [
      'control characters, U+2028/9, non-ASCII, DEL',
      { k: 'line1\nline2\ttab\b\f\r\u0001\u001f\u2028\u2029é😀\u007f' },
      '12aa02909471c942',
    ],
    // Secret data arrive base64-encoded, which is how Go encodes map[string][]byte.
    ['secret data', { password: Buffer.from('s3cr3t<>').toString('base64'), user: Buffer.from('admin').toString('base64') }, 'd730ce81805870e5'],
  ])('%s', (_name, data, expected) => {
    expect(configChecksum(data)).toBe(expected);
  });

  it('encodes strings exactly like encoding/json', () => {
    expect(goJsonStringMap({ k: 'line1\nline2\ttab\b\f\r\u0001\u001f\u2028\u2029é😀\u007f<>&' })).toBe(
      '{"k":"line1\\nline2\\ttab\\b\\f\\r\\u0001\\u001f\\u2028\\u2029é😀\u007f\\u003c\\u003e\\u0026"}',
    );
    expect(goJsonStringMap({ z: '\u0000"\\/', a: '\ud800' })).toBe('{"a":"\ufffd","z":"\\u0000\\"\\\\/"}');
    expect(goJsonString('')).toBe('""');
    expect(goJsonStringMap(null)).toBe('null');
  });
});

describe('spec hash', () => {
  const template = {
    metadata: { labels: { app: 'podinfo' }, annotations: { a: '1' } },
    spec: { containers: [{ name: 'app', image: 'podinfo:1', ports: [{ containerPort: 80 }] }] },
  };

  it('is prefixed, 10 hex digits, and independent of key order', () => {
    const reordered = {
      spec: { containers: [{ ports: [{ containerPort: 80 }], image: 'podinfo:1', name: 'app' }] },
      metadata: { annotations: { a: '1' }, labels: { app: 'podinfo' } },
    };
    expect(podTemplateHash(template)).toMatch(/^d1-[0-9a-f]{10}$/);
    expect(podTemplateHash(reordered)).toBe(podTemplateHash(template));
  });

  it('changes with the template', () => {
    const changed = structuredClone(template);
    changed.spec.containers[0].image = 'podinfo:2';
    expect(podTemplateHash(changed)).not.toBe(podTemplateHash(template));
  });

  it('ignores the DaemonSet scale-to-zero nodeSelector', () => {
    const ds = (nodeSelector?: Record<string, string>): Workload => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: { template: { spec: { ...template.spec, ...(nodeSelector ? { nodeSelector } : {}) } } },
    });
    expect(targetSpecHash(ds({ 'flagger.app/scale-to-zero': 'true' }))).toBe(targetSpecHash(ds()));
    expect(targetSpecHash(ds({ 'flagger.app/scale-to-zero': 'true', zone: 'a' }))).toBe(targetSpecHash(ds({ zone: 'a' })));
    expect(targetSpecHash(ds({ zone: 'a' }))).not.toBe(targetSpecHash(ds()));
  });

  it.each([
    ['d1-0123456789', true],
    ['85d557f47b', false],
    [undefined, false],
  ])('isOwnSpecHash(%j) → %j', (value, expected) => {
    expect(isOwnSpecHash(value)).toBe(expected);
  });

  it('canonical JSON drops undefined members and sorts keys', () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [undefined, { y: 1, x: 2 }] })).toBe('{"b":1,"c":[null,{"x":2,"y":1}]}');
  });
});
