import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { CatalogEntityIndex, entityMatcher, ownersOf, targetMatches } from './entityIndex';
import { matchesSelector, parseLabelSelector } from './labelSelector';

describe('parseLabelSelector / matchesSelector', () => {
  it.each<[string, Record<string, string>, boolean]>([
    ['app=podinfo', { app: 'podinfo' }, true],
    ['app==podinfo', { app: 'podinfo' }, true],
    ['app=podinfo', { app: 'other' }, false],
    ['app!=podinfo', { app: 'other' }, true],
    ['app!=podinfo', {}, true],
    ['app!=podinfo', { app: 'podinfo' }, false],
    ['tier in (web, api)', { tier: 'api' }, true],
    ['tier in (web,api)', { tier: 'db' }, false],
    ['tier in (web,api)', {}, false],
    ['tier notin (web,api)', { tier: 'db' }, true],
    ['tier notin (web,api)', {}, true],
    ['tier notin (web,api)', { tier: 'web' }, false],
    ['canary', { canary: '' }, true],
    ['canary', {}, false],
    ['!canary', {}, true],
    ['!canary', { canary: 'x' }, false],
    ['app=podinfo,tier in (web,api),!legacy', { app: 'podinfo', tier: 'web' }, true],
    ['app=podinfo,tier in (web,api),!legacy', { app: 'podinfo', tier: 'web', legacy: 'y' }, false],
    ['example.com/team=a', { 'example.com/team': 'a' }, true],
    ['', { anything: 'x' }, true],
  ])('%p on %p → %p', (selector, labels, expected) => {
    expect(matchesSelector(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each([
    ['app=a,,b=c', 'empty requirement'],
    ['app in ()', 'at least one value'],
    ['app=has space', 'cannot parse'],
    ['-bad=x', 'not a valid label key'],
    ['app=in valid!', 'cannot parse'],
  ])('rejects %p with a message containing %p', (selector, message) => {
    expect(() => parseLabelSelector(selector)).toThrow(message);
  });
});

const entity = (annotations: Record<string, string>, extra: Partial<Entity> = {}): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'podinfo', namespace: 'default', annotations },
  spec: { owner: 'team-a' },
  ...extra,
});

describe('entity matching', () => {
  it.each<[string, Record<string, string>, { namespace: string; labels: Record<string, string> }, boolean]>([
    ['id label', { 'backstage.io/kubernetes-id': 'podinfo' }, { namespace: 'x', labels: { 'backstage.io/kubernetes-id': 'podinfo' } }, true],
    ['other id', { 'backstage.io/kubernetes-id': 'podinfo' }, { namespace: 'x', labels: { 'backstage.io/kubernetes-id': 'other' } }, false],
    ['selector', { 'backstage.io/kubernetes-label-selector': 'app=podinfo' }, { namespace: 'x', labels: { app: 'podinfo' } }, true],
    ['id or selector', { 'backstage.io/kubernetes-id': 'p', 'backstage.io/kubernetes-label-selector': 'app=podinfo' }, { namespace: 'x', labels: { app: 'podinfo' } }, true],
    ['namespace narrows', { 'backstage.io/kubernetes-id': 'podinfo', 'backstage.io/kubernetes-namespace': 'prod' }, { namespace: 'dev', labels: { 'backstage.io/kubernetes-id': 'podinfo' } }, false],
    ['namespace matches', { 'backstage.io/kubernetes-id': 'podinfo', 'backstage.io/kubernetes-namespace': 'prod' }, { namespace: 'prod', labels: { 'backstage.io/kubernetes-id': 'podinfo' } }, true],
  ])('%s', (_name, annotations, target, expected) => {
    const m = entityMatcher(entity(annotations))!;
    expect(targetMatches(m, { namespace: target.namespace, labelSets: [undefined, target.labels] })).toBe(expected);
  });

  it('has no matcher without Kubernetes annotations', () => {
    expect(entityMatcher(entity({}))).toBeUndefined();
  });

  it('collects owners from spec.owner and ownedBy relations', () => {
    const e = entity({}, { relations: [{ type: 'ownedBy', targetRef: 'user:default/ann' }] });
    expect(ownersOf(e).sort()).toEqual(['group:default/team-a', 'user:default/ann']);
  });

  it('indexes catalog entities and returns refs and owners of the matching ones, skipping bad selectors', () => {
    const logger = mockServices.logger.mock();
    const index = new CatalogEntityIndex({ catalog: { getEntities: jest.fn() }, auth: mockServices.auth(), logger });
    index.setEntities([
      entity({ 'backstage.io/kubernetes-id': 'podinfo' }),
      entity({ 'backstage.io/kubernetes-label-selector': 'tier in (web)' }, { metadata: { name: 'web', namespace: 'default', annotations: { 'backstage.io/kubernetes-label-selector': 'tier in (web)' } }, spec: { owner: 'group:default/web' } }),
      entity({ 'backstage.io/kubernetes-label-selector': 'broken in (' }, { metadata: { name: 'bad', namespace: 'default', annotations: { 'backstage.io/kubernetes-label-selector': 'broken in (' } } }),
    ]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(index.match({ namespace: 'ns', labelSets: [{ 'backstage.io/kubernetes-id': 'podinfo', tier: 'web' }] })).toEqual({
      entityRefs: ['component:default/podinfo', 'component:default/web'],
      owners: ['group:default/team-a', 'group:default/web'],
    });
    expect(index.match({ namespace: 'ns', labelSets: [{ tier: 'db' }] })).toEqual({ entityRefs: [], owners: [] });
  });
});
