import { KINDS } from '../kube/types';
import { FakeKube } from '../testing/fakeKube';
import { podinfoCanary } from './__fixtures__/podinfo';
import {
  LinkerdRouter,
  parseWeight,
  trafficSplitRoutes,
  trafficSplitSpec,
  type TrafficSplit,
} from './linkerd';

describe('trafficSplitSpec', () => {
  it.each([
    [{ primary: 100, canary: 0 }, '0', '100'],
    [{ primary: 70, canary: 30 }, '30', '70'],
    [{ primary: 0, canary: 100 }, '100', '0'],
  ])(
    'writes %j as string quantities, canary backend first',
    (w, canaryWeight, primaryWeight) => {
      expect(
        trafficSplitSpec(podinfoCanary(), { ...w, mirrored: false }),
      ).toEqual({
        service: 'podinfo',
        backends: [
          { service: 'podinfo-canary', weight: canaryWeight },
          { service: 'podinfo-primary', weight: primaryWeight },
        ],
      });
    },
  );

  it('uses the first host as the apex service and spec.service.name for backends', () => {
    const canary = podinfoCanary({
      spec: {
        service: { port: 9898, name: 'web', hosts: ['web.example.com'] },
      },
    });
    const spec = trafficSplitSpec(canary, {
      primary: 90,
      canary: 10,
      mirrored: false,
    });
    expect(spec.service).toBe('web.example.com');
    expect(spec.backends.map(b => b.service)).toEqual([
      'web-canary',
      'web-primary',
    ]);
  });
});

describe('parseWeight', () => {
  it.each([
    ['90', 90],
    [90, 90],
    ['0', 0],
    ['500m', 0],
    ['10000m', 10],
  ])('parses %j as %d', (input, expected) =>
    expect(parseWeight(input)).toBe(expected),
  );

  it.each([['ten'], [null], ['1Ki']])('rejects %j', input =>
    expect(() => parseWeight(input)).toThrow(/not a quantity/),
  );
});

describe('trafficSplitRoutes', () => {
  const split = (c: string, p: string): TrafficSplit => ({
    apiVersion: 'split.smi-spec.io/v1alpha1',
    kind: 'TrafficSplit',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      service: 'podinfo',
      backends: [
        { service: 'podinfo-canary', weight: c },
        { service: 'podinfo-primary', weight: p },
      ],
    },
  });

  it('reads weights by backend name', () => {
    expect(trafficSplitRoutes(split('30', '70'), podinfoCanary())).toEqual({
      primary: 70,
      canary: 30,
      mirrored: false,
    });
  });

  it('rejects a split where both weights are zero', () => {
    expect(() => trafficSplitRoutes(split('0', '0'), podinfoCanary())).toThrow(
      'TrafficSplit podinfo.test does not contain routes for podinfo-primary and podinfo-canary',
    );
  });
});

describe('LinkerdRouter', () => {
  let kube: FakeKube;
  let router: LinkerdRouter;
  const canary = podinfoCanary();
  const read = () =>
    kube.get<TrafficSplit>(KINDS.trafficSplit, 'test', 'podinfo')!;

  beforeEach(() => {
    kube = new FakeKube();
    router = new LinkerdRouter({ reader: kube, writer: kube });
  });

  it('creates the split at 100/0, owned by the canary, and reconciles idempotently', async () => {
    await router.reconcile(canary);
    const created = read();
    expect(created.apiVersion).toBe('split.smi-spec.io/v1alpha1');
    expect(created.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        name: 'podinfo',
        uid: 'canary-uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(await router.getRoutes(canary)).toEqual({
      primary: 100,
      canary: 0,
      mirrored: false,
    });

    await router.reconcile(canary);
    expect(read().metadata.resourceVersion).toBe(
      created.metadata.resourceVersion,
    );
    expect(kube.writes).toHaveLength(1);
  });

  it('sets routes, reads them back, and keeps them across reconcile', async () => {
    await router.reconcile(canary);
    await router.setRoutes(canary, {
      primary: 70,
      canary: 30,
      mirrored: false,
    });
    expect(read().spec.backends).toEqual([
      { service: 'podinfo-canary', weight: '30' },
      { service: 'podinfo-primary', weight: '70' },
    ]);
    await router.reconcile(canary);
    expect(await router.getRoutes(canary)).toEqual({
      primary: 70,
      canary: 30,
      mirrored: false,
    });
    expect(kube.writes.map(w => w.verb)).toEqual(['create', 'update']);
  });

  it('corrects spec drift without moving traffic', async () => {
    await router.reconcile(canary);
    await router.setRoutes(canary, {
      primary: 60,
      canary: 40,
      mirrored: false,
    });
    const drifted = read();
    kube.seed(KINDS.trafficSplit, {
      ...drifted,
      spec: { ...drifted.spec, service: 'something-else' },
    });
    await router.reconcile(canary);
    expect(read().spec).toEqual(
      trafficSplitSpec(canary, { primary: 60, canary: 40, mirrored: false }),
    );
  });

  it('retries a write that lost a race with another writer', async () => {
    await router.reconcile(canary);
    let raced = false;
    kube.beforeWrite = () => {
      if (raced) return;
      raced = true;
      const live = read();
      kube.seed(KINDS.trafficSplit, {
        ...live,
        metadata: { ...live.metadata, labels: { touched: 'yes' } },
      });
    };
    await router.setRoutes(canary, {
      primary: 80,
      canary: 20,
      mirrored: false,
    });
    expect(read().metadata.labels).toEqual({ touched: 'yes' });
    expect(await router.getRoutes(canary)).toEqual({
      primary: 80,
      canary: 20,
      mirrored: false,
    });
  });

  it('fails setRoutes and getRoutes with Flagger-style text when the split is missing', async () => {
    await expect(
      router.setRoutes(canary, { primary: 90, canary: 10, mirrored: false }),
    ).rejects.toThrow('TrafficSplit podinfo.test get query error: not found');
    await expect(router.getRoutes(canary)).rejects.toThrow(
      'TrafficSplit podinfo.test get query error: not found',
    );
  });

  it('rejects A/B matches and mirroring, which SMI cannot do', () => {
    const ab = podinfoCanary({
      analysis: {
        iterations: 10,
        match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
      },
    });
    expect(router.validate(ab)).toEqual([
      expect.objectContaining({ field: 'spec.analysis.match' }),
    ]);
    const mirror = podinfoCanary({ analysis: { mirror: true } });
    expect(router.validate(mirror)).toEqual([
      expect.objectContaining({ field: 'spec.analysis.mirror' }),
    ]);
    expect(router.validate(podinfoCanary())).toEqual([]);
  });
});
