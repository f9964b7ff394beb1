import type { Canary } from '@delivery/plugin-delivery-common';
import { KINDS, KubeObject, ObjectReader, ResourceKind } from '../kube/types';
import { generatedObjects, serviceStatus } from './details';

function readerOf(objects: Array<[ResourceKind, KubeObject]>): ObjectReader {
  const byKey = new Map(objects.map(([k, o]) => [`${k.plural}/${o.metadata.namespace}/${o.metadata.name}`, o]));
  return {
    get: <T extends KubeObject>(kind: ResourceKind, ns: string, name: string) =>
      byKey.get(`${kind.plural}/${ns}/${name}`) as T | undefined,
    list: () => [],
  };
}

const canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'shop' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 } },
} as unknown as Canary;

const service = (name: string, selector: Record<string, string>, clusterIP?: string): [ResourceKind, KubeObject] => [
  KINDS.service,
  { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { selector, clusterIP } },
];

describe('generatedObjects', () => {
  it('lists the apex, canary and primary Services with what each selects', () => {
    const reader = readerOf([
      service('podinfo', { app: 'podinfo-primary' }, '10.0.0.1'),
      service('podinfo-canary', { app: 'podinfo' }, '10.0.0.2'),
      service('podinfo-primary', { app: 'podinfo-primary' }, '10.0.0.3'),
      service('other', { app: 'other' }, '10.0.0.4'),
    ]);
    expect(generatedObjects(canary, reader).filter(o => o.kind === 'Service')).toEqual([
      { kind: 'Service', name: 'podinfo', namespace: 'shop', status: 'selects primary · ClusterIP 10.0.0.1' },
      { kind: 'Service', name: 'podinfo-canary', namespace: 'shop', status: 'selects canary · ClusterIP 10.0.0.2' },
      { kind: 'Service', name: 'podinfo-primary', namespace: 'shop', status: 'selects primary · ClusterIP 10.0.0.3' },
    ]);
  });

  it('names the Services after spec.service.name when set, and skips ones not created yet', () => {
    const named = { ...canary, spec: { ...canary.spec, service: { port: 9898, name: 'web' } } } as Canary;
    const reader = readerOf([service('web-canary', { app: 'podinfo' }), service('podinfo', { app: 'podinfo-primary' })]);
    expect(generatedObjects(named, reader).map(o => `${o.kind}/${o.name}`)).toEqual(['Service/web-canary']);
  });
});

describe('serviceStatus', () => {
  it('tells headless, unallocated and selector-less Services apart', () => {
    const svc = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec });
    expect(serviceStatus(svc({ selector: { app: 'a' }, clusterIP: 'None' }))).toBe('selects canary · headless');
    expect(serviceStatus(svc({ selector: { app: 'a-primary' } }))).toBe('selects primary · ClusterIP pending');
    expect(serviceStatus(svc({ clusterIP: '10.0.0.9' }))).toBe('no selector · ClusterIP 10.0.0.9');
  });
});
