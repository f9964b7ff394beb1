import { Canary, TrafficSplit } from '@delivery/plugin-delivery-common';
import { KINDS, KubeObject, ObjectReader, ResourceKind } from '../kube/types';
import { PromQuery, TrafficObserver, configuredSplit, observedQueries } from './trafficSplit';

function canaryWith(spec: Partial<Canary['spec']>, status: Canary['status'] = { canaryWeight: 30 }): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'shop' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 }, ...spec },
    status,
  };
}

/** A reader holding the given objects by kind and name. */
function readerOf(objects: Array<[ResourceKind, KubeObject]>): ObjectReader {
  return {
    get: <T extends KubeObject>(kind: ResourceKind, _ns: string, name: string) =>
      objects.find(([k, o]) => k === kind && o.metadata.name === name)?.[1] as T | undefined,
    list: () => [],
  } as unknown as ObjectReader;
}
const empty = readerOf([]);
const weights = (s: TrafficSplit) => s.backends.map(b => [b.name, b.role, b.configuredWeight]);

describe('configuredSplit', () => {
  it('reads SMI TrafficSplit backends, weights as numbers, roles by the -canary suffix', () => {
    const ts = {
      apiVersion: 'split.smi-spec.io/v1alpha2',
      kind: 'TrafficSplit',
      metadata: { name: 'podinfo', namespace: 'shop' },
      spec: { backends: [{ service: 'podinfo-primary', weight: '75' }, { service: 'podinfo-canary', weight: 25 }] },
    };
    const split = configuredSplit(canaryWith({ provider: 'linkerd' }), readerOf([[KINDS.trafficSplit, ts]]));
    expect(split).toMatchObject({ routerKind: 'TrafficSplit', routerName: 'podinfo', mirrored: false });
    expect(weights(split)).toEqual([
      ['podinfo-primary', 'primary', 75],
      ['podinfo-canary', 'canary', 25],
    ]);
  });

  it('falls back to the status weight (100 − w for the primary) when the router object is not there', () => {
    const split = configuredSplit(canaryWith({ provider: 'linkerd', service: { port: 80, name: 'web' } }), empty);
    expect(split.routerKind).toBe('TrafficSplit');
    expect(weights(split)).toEqual([
      ['web-primary', 'primary', 70],
      ['web-canary', 'canary', 30],
    ]);
  });

  it('reads the HTTPRoute rule with two backends and tells a mirror filter', () => {
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'podinfo', namespace: 'shop' },
      spec: {
        rules: [
          { backendRefs: [{ name: 'podinfo-primary' }] },
          {
            backendRefs: [{ name: 'podinfo-primary', weight: 90 }, { name: 'podinfo-canary', weight: 10 }],
            filters: [{ type: 'RequestMirror' }],
          },
        ],
      },
    };
    const split = configuredSplit(canaryWith({ provider: 'gatewayapi:v1' }), readerOf([[KINDS.httpRouteV1, route]]));
    expect(split.mirrored).toBe(true);
    expect(weights(split)).toEqual([
      ['podinfo-primary', 'primary', 90],
      ['podinfo-canary', 'canary', 10],
    ]);
  });

  it('reads nginx canary annotations: a weight, or header/cookie matching that sends no weighted traffic', () => {
    const ingress = (annotations: Record<string, string>) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web-canary', namespace: 'shop', annotations },
    });
    const nginx = canaryWith({ provider: 'nginx', ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'web' } });
    const weighted = configuredSplit(nginx, readerOf([[KINDS.ingress, ingress({ 'nginx.ingress.kubernetes.io/canary-weight': '40' })]]));
    expect(weights(weighted)).toEqual([
      ['podinfo-primary', 'primary', 60],
      ['podinfo-canary', 'canary', 40],
    ]);
    const byHeader = configuredSplit(
      nginx,
      readerOf([[KINDS.ingress, ingress({ 'nginx.ingress.kubernetes.io/canary-by-header': 'x-canary', 'nginx.ingress.kubernetes.io/canary-weight': '40' })]]),
    );
    expect(byHeader.matches).toEqual(['header x-canary = always']);
    expect(weights(byHeader).map(w => w[2])).toEqual([100, 0]);
  });

  it('describes A/B header matches of the analysis', () => {
    const split = configuredSplit(
      canaryWith({
        provider: 'kubernetes',
        analysis: { iterations: 5, match: [{ headers: { 'x-user': { exact: 'insider' }, cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } }] },
      }),
      empty,
    );
    expect(split.routerKind).toBe('Service');
    expect(split.matches).toEqual(['x-user = insider and cookie ~ ^(.*?;)?(canary=always)(;.*)?$']);
  });
});

describe('observedQueries', () => {
  it.each([
    ['linkerd', 'deployment', 'response_total'],
    ['gatewayapi:v1', 'workload', 'http_request_duration_seconds_count'],
    ['kubernetes', 'workload', 'http_request_duration_seconds_count'],
  ])('%s: groups by %s over %s and maps only the two workloads to roles', (provider, by, metric) => {
    const q = observedQueries(canaryWith({ provider }))!;
    expect(q.by).toBe(by);
    expect(q.rate).toContain(metric);
    expect(q.rate).toContain('namespace="shop"');
    expect([q.roleOf('podinfo'), q.roleOf('podinfo-primary'), q.roleOf('other')]).toEqual(['canary', 'primary', undefined]);
  });

  it('knows no queries for a provider without traffic metrics', () => {
    expect(observedQueries(canaryWith({ provider: 'appmesh' }))).toBeUndefined();
  });
});

describe('TrafficObserver', () => {
  const canary = canaryWith({ provider: 'linkerd' });
  const configured = configuredSplit(canary, empty);

  /** Prometheus answers per query kind, by the deployment label. */
  const prometheus = (rates: Record<string, number>, success: Record<string, number>, p99: Record<string, number>) => {
    const calls: string[] = [];
    const query: PromQuery = async (_url, q) => {
      calls.push(q);
      let table = rates;
      if (q.startsWith('histogram_quantile')) table = p99;
      else if (q.includes('classification!="failure"')) table = success;
      return Object.entries(table).map(([deployment, value]) => ({ metric: { deployment }, value }));
    };
    return { query, calls };
  };

  it('puts each observed rate, success rate and p99 on the backend of its role', async () => {
    const { query } = prometheus({ 'podinfo-primary': 7, podinfo: 3 }, { 'podinfo-primary': 99.5, podinfo: 97 }, { 'podinfo-primary': 120, podinfo: 480 });
    const observer = new TrafficObserver({ query, metricsServer: 'http://prom', now: () => 0 });
    const split = await observer.observe('c/shop/podinfo', canary, configured);
    expect(split.backends.map(b => [b.role, b.configuredWeight, b.requestRate, b.successRate, b.latencyP99Ms])).toEqual([
      ['primary', 70, 7, 99.5, 120],
      ['canary', 30, 3, 97, 480],
    ]);
    // The observed share of requests is what a user compares with the configured weight: 30 % here.
    const total = split.backends.reduce((s, b) => s + (b.requestRate ?? 0), 0);
    expect(split.backends.map(b => (b.requestRate ?? 0) / total)).toEqual([0.7, 0.3]);
    expect(split.observedAt).toBe('1970-01-01T00:00:00.000Z');
  });

  it('leaves a backend without a finite value unmeasured instead of showing NaN', async () => {
    const { query } = prometheus({ 'podinfo-primary': 5, podinfo: NaN }, {}, {});
    const split = await new TrafficObserver({ query, metricsServer: 'http://prom' }).observe('k', canary, configured);
    expect(split.backends.map(b => b.requestRate)).toEqual([5, undefined]);
  });

  it('reuses a measurement within the cache window, on top of the current configured weights', async () => {
    let now = 0;
    const { query, calls } = prometheus({ 'podinfo-primary': 1, podinfo: 1 }, {}, {});
    const observer = new TrafficObserver({ query, metricsServer: 'http://prom', cacheMs: 10_000, now: () => now });
    await observer.observe('k', canary, configured);
    now = 9_999;
    const later = configuredSplit(canaryWith({ provider: 'linkerd' }, { canaryWeight: 50 }), empty);
    const split = await observer.observe('k', canary, later);
    expect(calls).toHaveLength(3);
    expect(split.backends.map(b => [b.configuredWeight, b.requestRate])).toEqual([
      [50, 1],
      [50, 1],
    ]);
    now = 10_000;
    await observer.observe('k', canary, later);
    expect(calls).toHaveLength(6);
  });

  it('reports a failing Prometheus as observedError and keeps the configured split', async () => {
    const query: PromQuery = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    const split = await new TrafficObserver({ query, metricsServer: 'http://prom:9090' }).observe('k', canary, configured);
    expect(split.observedError).toBe('Prometheus at http://prom:9090: connect ECONNREFUSED');
    expect(weights(split)).toEqual(weights(configured));
  });

  it('asks the canary\'s own metrics server when it names one', async () => {
    const urls: string[] = [];
    const query: PromQuery = async url => {
      urls.push(url);
      return [];
    };
    await new TrafficObserver({ query, metricsServer: 'http://default' }).observe('k', canaryWith({ provider: 'linkerd', metricsServer: 'http://team-prom' }), configured);
    expect(new Set(urls)).toEqual(new Set(['http://team-prom']));
  });
});
