import { configRefsOf, haveConfigsChanged, trackedConfigs, withPrimaryConfigRefs } from './configTracking';
import type { ConfigMapObject, PodSpec, SecretObject } from './types';

const spec: PodSpec = {
  volumes: [
    { name: 'cfg', configMap: { name: 'app-config' } },
    { name: 'tls', secret: { secretName: 'app-tls' } },
    {
      name: 'all',
      projected: { sources: [{ configMap: { name: 'projected-cm' } }, { secret: { name: 'projected-secret', optional: true } }] },
    },
  ],
  containers: [
    {
      name: 'app',
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'a' } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'b' } } },
        { name: 'C', value: 'plain' },
      ],
    },
  ],
  initContainers: [{ name: 'init', envFrom: [{ configMapRef: { name: 'init-cm' } }, { secretRef: { name: 'init-secret' } }] }],
};

const cm = (name: string, data: Record<string, string>, annotations?: Record<string, string>): ConfigMapObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, annotations },
  data,
});
const secret = (name: string, type = 'Opaque'): SecretObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name },
  type,
  data: { k: 'dg==' },
});

describe('config tracking', () => {
  it('finds references in volumes, projections, env and envFrom of containers and initContainers', () => {
    const refs = configRefsOf(spec);
    expect([...refs.configMaps.keys()]).toEqual(['app-config', 'projected-cm', 'env-cm', 'init-cm']);
    expect([...refs.secrets.entries()]).toEqual([
      ['app-tls', true],
      ['projected-secret', false],
      ['env-secret', true],
      ['init-secret', true],
    ]);
  });

  const found = {
    configMaps: {
      'app-config': cm('app-config', { a: '1' }),
      'projected-cm': cm('projected-cm', { b: '2' }, { 'flagger.app/config-tracking': 'disabled' }),
      'env-cm': cm('env-cm', {}),
      'init-cm': cm('init-cm', { c: '3' }),
    },
    secrets: {
      'app-tls': secret('app-tls', 'kubernetes.io/tls'),
      'env-secret': secret('env-secret', 'kubernetes.io/service-account-token'),
      'init-secret': secret('init-secret'),
    },
  };

  it('tracks eligible objects, skipping disabled ones, unsupported secret types and missing optional ones', () => {
    const result = trackedConfigs(spec, 'test', found);
    expect(result.ok && Object.keys(result.map)).toEqual([
      'configmap/app-config',
      'configmap/env-cm',
      'configmap/init-cm',
      'secret/app-tls',
      'secret/init-secret',
    ]);
    expect(result.ok && result.map['configmap/app-config']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('fails the tick for a missing required object, and tracks nothing when disabled', () => {
    const { 'init-cm': _missing, ...rest } = found.configMaps;
    expect(trackedConfigs(spec, 'test', { ...found, configMaps: rest })).toEqual({
      ok: false,
      error: 'configmap init-cm.test get query error: configmaps "init-cm" not found',
    });
    expect(trackedConfigs(spec, 'test', { configMaps: {}, secrets: {} }, false)).toEqual({ ok: true, configs: [], map: {} });
  });

  it('renames tracked references to the -primary copies only', () => {
    const result = trackedConfigs(spec, 'test', found);
    if (!result.ok) throw new Error(result.error);
    const primary = withPrimaryConfigRefs(spec, result.configs);
    expect(primary.volumes!.map(v => v.configMap?.name ?? v.secret?.secretName ?? v.projected?.sources?.map(s => s.configMap?.name ?? s.secret?.name))).toEqual([
      'app-config-primary',
      'app-tls-primary',
      ['projected-cm', 'projected-secret'],
    ]);
    expect(primary.containers![0].env!.map(e => e.valueFrom?.configMapKeyRef?.name ?? e.valueFrom?.secretKeyRef?.name)).toEqual([
      'env-cm-primary',
      'env-secret',
      undefined,
    ]);
    expect(primary.initContainers![0].envFrom).toEqual([
      { configMapRef: { name: 'init-cm-primary' } },
      { secretRef: { name: 'init-secret-primary' } },
    ]);
    expect(spec.volumes![0].configMap!.name).toBe('app-config');
  });

  it.each<[string, Record<string, string> | undefined, Record<string, string>, boolean]>([
    ['none tracked, no status', undefined, {}, false],
    ['none tracked, empty status', {}, {}, false],
    ['first config appears', undefined, { 'configmap/a': '1' }, true],
    ['same', { 'configmap/a': '1' }, { 'configmap/a': '1' }, false],
    ['checksum differs', { 'configmap/a': '1' }, { 'configmap/a': '2' }, true],
    ['one removed', { 'configmap/a': '1', 'secret/b': '2' }, { 'configmap/a': '1' }, true],
  ])('haveConfigsChanged: %s → %s', (_name, tracked, current, expected) => {
    expect(haveConfigsChanged(tracked, current)).toBe(expected);
  });
});
