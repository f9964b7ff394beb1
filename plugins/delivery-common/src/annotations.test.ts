import { Entity } from '@backstage/catalog-model';
import { isDeliveryAvailable } from './annotations';

const entity = (annotations: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'podinfo', annotations },
  spec: {},
});

describe('isDeliveryAvailable', () => {
  it.each([
    [{ 'backstage.io/kubernetes-id': 'podinfo' }, true],
    [{ 'backstage.io/kubernetes-label-selector': 'app=podinfo' }, true],
    [{ 'backstage.io/kubernetes-namespace': 'test' }, false],
    [{ 'backstage.io/kubernetes-id': '  ' }, false],
    [{}, false],
  ])('%j → %s', (annotations, expected) => {
    expect(isDeliveryAvailable(entity(annotations))).toBe(expected);
  });
});
