// The simulator is a plain Node script (tools/demo is not a workspace package); its pure model is tested here
// because this package's jest run is the one that reaches files outside plugins/ and packages/.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports -- tools/demo is deliberately not a package
import {
  BAD_PROFILE,
  GOOD_PROFILE,
  LATENCY_BUCKETS_MS,
  DeploymentCounters,
  addRequests,
  advance,
  emptyCounters,
  imageTag,
  latencyCdf,
  parseWeight,
  profileForImage,
  renderMetrics,
  trafficShares,
} from '../../../../tools/demo/simulator/model';

describe('demo simulator model', () => {
  it.each([
    ['ghcr.io/stefanprodan/podinfo:6.5.0', '6.5.0'],
    ['localhost:5000/podinfo:6.5.1-bad', '6.5.1-bad'],
    ['localhost:5000/podinfo', 'latest'],
    ['podinfo:1.0@sha256:abc', '1.0'],
    [undefined, 'latest'],
  ])('imageTag(%s) = %s', (image, tag) => {
    expect(imageTag(image)).toBe(tag);
  });

  it('gives tags ending in -bad the failing profile and everything else the healthy one', () => {
    expect(profileForImage('podinfo:6.5.1-bad')).toBe(BAD_PROFILE);
    expect(profileForImage('podinfo:6.5.1-badger')).toBe(GOOD_PROFILE);
    expect(profileForImage('podinfo:6.5.1')).toBe(GOOD_PROFILE);
  });

  it.each([
    ['20', 20],
    [35, 35],
    ['500m', 0],
    ['1500m', 1],
    ['x', undefined],
    [null, undefined],
  ])('parseWeight(%p) = %p', (input, expected) => {
    expect(parseWeight(input)).toBe(expected);
  });

  it('splits traffic by the TrafficSplit backends, canary backend → target deployment', () => {
    const split = {
      spec: {
        backends: [
          { service: 'podinfo-canary', weight: '20' },
          { service: 'podinfo-primary', weight: '80' },
        ],
      },
    };
    expect(trafficShares('podinfo', split)).toEqual({
      'podinfo-primary': 0.8,
      podinfo: 0.2,
    });
  });

  it('sends everything to the target when there is no split or it has no weight', () => {
    expect(trafficShares('podinfo', undefined)).toEqual({ podinfo: 1 });
    expect(
      trafficShares('podinfo', {
        spec: { backends: [{ service: 'other', weight: 100 }] },
      }),
    ).toEqual({
      podinfo: 1,
    });
  });

  it('places the profile median and p99 where the latency CDF says', () => {
    expect(latencyCdf(GOOD_PROFILE, GOOD_PROFILE.medianMs)).toBeCloseTo(0.5, 3);
    expect(latencyCdf(GOOD_PROFILE, GOOD_PROFILE.p99Ms)).toBeCloseTo(0.99, 3);
    expect(latencyCdf(BAD_PROFILE, BAD_PROFILE.p99Ms)).toBeCloseTo(0.99, 3);
    expect(latencyCdf(GOOD_PROFILE, 0)).toBe(0);
  });

  it('counts whole requests and carries fractions, so rates are exact over time', () => {
    const c = emptyCounters();
    // 0.4 requests at a time never make a whole request on their own; 25 calls make 10.
    for (let i = 0; i < 25; i++) addRequests(c, 0.4, BAD_PROFILE);
    expect(c.success + c.failure).toBe(10);
    expect(c.failure).toBe(2);
  });

  it('keeps histogram buckets cumulative and bounded by the total', () => {
    const c = emptyCounters();
    addRequests(c, 1000, BAD_PROFILE);
    const inf = c.buckets[LATENCY_BUCKETS_MS.length];
    expect(inf).toBe(c.success + c.failure);
    for (let i = 1; i < c.buckets.length; i++)
      expect(c.buckets[i]).toBeGreaterThanOrEqual(c.buckets[i - 1]);
    // Roughly half the requests finish by the median bucket (100 ms < 120 ms median → a bit under half).
    const at100 = c.buckets[LATENCY_BUCKETS_MS.indexOf(100)];
    expect(at100 / inf).toBeGreaterThan(0.35);
    expect(at100 / inf).toBeLessThan(0.5);
  });

  it('advances per deployment by share and renders Linkerd series for one cluster only', () => {
    const counters = new Map<string, DeploymentCounters>();
    advance(
      counters,
      [
        {
          cluster: 'dev',
          namespace: 'test',
          deployment: 'podinfo-primary',
          share: 0.8,
          image: 'podinfo:1',
        },
        {
          cluster: 'dev',
          namespace: 'test',
          deployment: 'podinfo',
          share: 0.2,
          image: 'podinfo:2-bad',
        },
        {
          cluster: 'prod',
          namespace: 'test',
          deployment: 'podinfo-primary',
          share: 1,
          image: 'podinfo:1',
        },
      ],
      20,
      10,
    );
    const text = renderMetrics(counters, 'dev');
    // 20 rps × 10 s × 0.2 = 40 canary requests, 20 % failing.
    expect(text).toContain(
      'response_total{namespace="test",deployment="podinfo",direction="inbound",classification="failure",status_code="500"} 8',
    );
    expect(text).toContain(
      'response_total{namespace="test",deployment="podinfo",direction="inbound",classification="success",status_code="200"} 32',
    );
    expect(text).toContain(
      'response_latency_ms_bucket{namespace="test",deployment="podinfo",direction="inbound",le="+Inf"} 40',
    );
    expect(text).toContain('# TYPE response_latency_ms histogram');
    // The prod primary's 200 requests are not in dev's exposition.
    expect(
      text.match(/deployment="podinfo-primary"[^\n]*le="\+Inf"} (\d+)/)?.[1],
    ).toBe('160');
    expect(renderMetrics(counters, 'prod')).not.toContain(
      'deployment="podinfo",',
    );
  });
});
