import { registerMswTestHooks } from '@backstage/backend-test-utils';
import type { CanaryMetric } from '@delivery/plugin-delivery-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { KINDS } from '../kube/types';
import { podinfoCanary } from '../routers/__fixtures__/podinfo';
import { FakeKube } from '../testing/fakeKube';
import {
  runMetricCheck,
  runMetricChecks,
  type MetricCheckContext,
} from './checks';
import { PrometheusClients } from './prometheus';

const server = setupServer();
registerMswTestHooks(server);

const PROM = 'http://127.0.0.1:9090';
const vector = (...values: string[]) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: values.map(v => ({ metric: {}, value: [1, v] })),
  },
});
const NOW = new Date('2025-01-01T00:00:00Z');

/** Answers every query with `answer(query)`, recording what was asked and with which auth header. */
function prometheus(address: string, answer: (query: string) => Response) {
  const asked: Array<{ query: string; auth: string | null }> = [];
  server.use(
    http.get(`${address}/api/v1/query`, ({ request }) => {
      const query = new URL(request.url).searchParams.get('query')!;
      asked.push({ query, auth: request.headers.get('authorization') });
      return answer(query);
    }),
  );
  return asked;
}

function context(
  overrides: Partial<MetricCheckContext> = {},
): MetricCheckContext {
  return {
    canary: podinfoCanary({ spec: { provider: 'linkerd' } }),
    reader: new FakeKube(),
    meshProvider: 'linkerd',
    metricsServer: PROM,
    prometheus: new PrometheusClients(),
    now: () => NOW,
    weight: 30,
    ...overrides,
  };
}

const successRate: CanaryMetric = {
  name: 'request-success-rate',
  interval: '1m',
  thresholdRange: { min: 99 },
};
const duration: CanaryMetric = {
  name: 'request-duration',
  interval: '30s',
  thresholdRange: { max: 500 },
};

describe('built-in metrics', () => {
  it("halts on a low success rate with Flagger's text", async () => {
    const asked = prometheus(PROM, () => HttpResponse.json(vector('61.3912')));
    const check = await runMetricCheck(context(), successRate);
    expect(check).toEqual({
      time: NOW.toISOString(),
      kind: 'metric',
      name: 'request-success-rate',
      value: 61.3912,
      thresholdMin: 99,
      thresholdMax: undefined,
      passed: false,
      errorClass: 'threshold',
      message: 'Halt podinfo.test advancement success rate 61.39% < 99%',
      weight: 30,
    });
    expect(asked[0].query).toContain(
      'response_total{namespace="test",deployment=~"podinfo",classification!="failure",direction="inbound"}[1m]',
    );
  });

  it('passes a success rate inside the range', async () => {
    prometheus(PROM, () => HttpResponse.json(vector('99.5')));
    expect(await runMetricCheck(context(), successRate)).toMatchObject({
      passed: true,
      value: 99.5,
    });
  });

  it('converts the HTTP observer duration from seconds and formats it like Go', async () => {
    const asked = prometheus(PROM, () => HttpResponse.json(vector('1.2004')));
    const canary = podinfoCanary({ spec: { provider: 'gatewayapi:v1' } });
    const check = await runMetricCheck(
      context({ canary, meshProvider: 'istio' }),
      duration,
    );
    expect(check).toMatchObject({
      passed: false,
      value: 1200,
      message: 'Halt podinfo.test advancement request duration 1.2s > 500ms',
    });
    expect(asked[0].query).toContain('http_request_duration_seconds_bucket');
    expect(asked[0].query).toContain('[30s]');
  });

  it.each([
    [
      successRate,
      'linkerd',
      'Halt advancement no values found for linkerd metric request-success-rate probably podinfo.test is not receiving traffic: running query failed: no values found',
    ],
    [
      duration,
      'linkerd',
      'Halt advancement no values found for linkerd metric request-duration probably podinfo.test is not receiving traffic',
    ],
    [
      successRate,
      'kubernetes',
      'Halt advancement no values found for kubernetes metric request-success-rate probably podinfo.test is not receiving traffic: no values found',
    ],
  ])('reports no values for %j on %s', async (metric, mesh, message) => {
    prometheus(PROM, () => HttpResponse.json(vector()));
    const canary = podinfoCanary({ spec: { provider: mesh } });
    expect(
      await runMetricCheck(context({ canary, meshProvider: mesh }), metric),
    ).toMatchObject({
      passed: false,
      errorClass: 'no-values',
      message,
    });
  });

  it('classifies Prometheus errors and outages', async () => {
    prometheus(PROM, () => HttpResponse.text('boom', { status: 500 }));
    expect(await runMetricCheck(context(), successRate)).toMatchObject({
      errorClass: 'query-error',
      message:
        'Prometheus query failed: running query failed: error response: Status 500 Internal Server Error: boom',
    });
    prometheus(PROM, () => HttpResponse.error());
    expect(await runMetricCheck(context(), successRate)).toMatchObject({
      passed: false,
      errorClass: 'provider-unreachable',
    });
  });

  it('queries spec.metricsServer instead of the global Prometheus', async () => {
    const own = prometheus('http://127.0.0.2:9090', () =>
      HttpResponse.json(vector('100')),
    );
    const canary = podinfoCanary({
      spec: { provider: 'linkerd', metricsServer: 'http://127.0.0.2:9090' },
    });
    expect(
      await runMetricCheck(context({ canary }), successRate),
    ).toMatchObject({ passed: true });
    expect(own).toHaveLength(1);
  });

  it("rethrows the tick's abort instead of recording a failed check", async () => {
    prometheus(
      PROM,
      () => new Promise<Response>(() => {}) as unknown as Response,
    );
    const controller = new AbortController();
    const pending = runMetricCheck(
      context({ signal: controller.signal }),
      successRate,
    );
    controller.abort(new Error('tick deadline'));
    await expect(pending).rejects.toThrow('tick deadline');
  });
});

describe('inline queries', () => {
  const errorRate: CanaryMetric = {
    name: 'error-rate',
    query:
      'sum(rate(errors{app="{{ variables.app }}",ns="{{ namespace }}"}[{{ interval }}]))',
    templateVariables: { app: 'podinfo' },
    thresholdRange: { max: 3 },
  };

  it('renders variables, defaults the interval and halts above the maximum', async () => {
    const asked = prometheus(PROM, () => HttpResponse.json(vector('6.2')));
    expect(await runMetricCheck(context(), errorRate)).toMatchObject({
      passed: false,
      value: 6.2,
      thresholdMax: 3,
      message: 'Halt podinfo.test advancement error-rate 6.20 > 3',
    });
    expect(asked[0].query).toBe(
      'sum(rate(errors{app="podinfo",ns="test"}[1m]))',
    );
  });

  it('reports no values and render errors', async () => {
    prometheus(PROM, () => HttpResponse.json(vector('NaN')));
    expect(await runMetricCheck(context(), errorRate)).toMatchObject({
      errorClass: 'no-values',
      message: 'Halt advancement no values found for metric: error-rate',
    });
    const broken = { ...errorRate, templateVariables: {} };
    expect(await runMetricCheck(context(), broken)).toMatchObject({
      errorClass: 'template-error',
      message: expect.stringMatching(
        /^Prometheus query failed for error-rate: .*map has no entry for key "app"/,
      ),
    });
  });
});

describe('MetricTemplate metrics', () => {
  const kube = new FakeKube();
  const PRIVATE = 'http://127.0.0.3:9090';
  kube.seed(KINDS.metricTemplate, {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name: 'latency', namespace: 'metrics' },
    spec: {
      provider: {
        type: 'prometheus',
        address: PRIVATE,
        secretRef: { name: 'prom-auth' },
        headers: { 'X-Scope-OrgID': ['team-a'] },
      },
      query:
        'histogram_quantile(0.9, rate(lat{ns="{{ namespace }}"}[{{ interval }}]))',
    },
  });
  kube.seed(KINDS.secret, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'prom-auth', namespace: 'metrics' },
    data: { token: Buffer.from('s3cret').toString('base64') },
  });
  const latency: CanaryMetric = {
    name: 'p90',
    templateRef: { name: 'latency', namespace: 'metrics' },
    thresholdRange: { max: 100 },
  };

  it('reads the template and its secret from the template namespace and defaults the interval to 1m', async () => {
    const asked = prometheus(PRIVATE, () => HttpResponse.json(vector('42')));
    expect(
      await runMetricCheck(context({ reader: kube }), latency),
    ).toMatchObject({ passed: true, value: 42 });
    expect(asked).toEqual([
      {
        query: 'histogram_quantile(0.9, rate(lat{ns="test"}[1m]))',
        auth: 'Bearer s3cret',
      },
    ]);
  });

  it('reports a missing template, looked up in the canary namespace by default', async () => {
    const check = await runMetricCheck(context({ reader: kube }), {
      ...latency,
      templateRef: { name: 'missing' },
    });
    expect(check).toMatchObject({
      passed: false,
      errorClass: 'template-error',
      message:
        'Metric template missing.test error: metrictemplate.flagger.app "missing" not found',
    });
  });

  it('reports a missing secret, incomplete credentials and unsupported provider types', async () => {
    const local = new FakeKube();
    const template = (provider: Record<string, unknown>) =>
      local.seed(KINDS.metricTemplate, {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'MetricTemplate',
        metadata: { name: 't', namespace: 'test' },
        spec: { provider, query: 'up' },
      });
    const metric: CanaryMetric = { name: 'm', templateRef: { name: 't' } };
    template({
      type: 'prometheus',
      address: PRIVATE,
      secretRef: { name: 'creds' },
    });
    expect(
      (await runMetricCheck(context({ reader: local }), metric)).message,
    ).toBe(
      'Metric template t.test secret creds error: secrets "creds" not found',
    );
    local.seed(KINDS.secret, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'test' },
      data: { username: 'dQ==' },
    });
    expect(
      (await runMetricCheck(context({ reader: local }), metric)).message,
    ).toBe(
      'Metric template t.test provider prometheus error: prometheus credentials does not contain a password',
    );
    template({ type: 'datadog' });
    expect(
      (await runMetricCheck(context({ reader: local }), metric)).message,
    ).toMatch(
      /^Metric template t\.test provider datadog error: provider type "datadog" is not supported/,
    );
  });

  it("reports render errors and no values with Flagger's texts", async () => {
    const local = new FakeKube();
    local.seed(KINDS.metricTemplate, {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: { name: 't', namespace: 'test' },
      spec: {
        provider: { type: 'prometheus', address: PRIVATE },
        query: 'up{app="{{ variables.app }}"}',
      },
    });
    prometheus(PRIVATE, () => HttpResponse.json(vector()));
    const metric: CanaryMetric = { name: 'm', templateRef: { name: 't' } };
    expect(
      await runMetricCheck(context({ reader: local }), metric),
    ).toMatchObject({
      errorClass: 'template-error',
      message: expect.stringMatching(
        /^Metric template t\.test query render error: .*map has no entry for key "app"$/,
      ),
    });
    expect(
      await runMetricCheck(context({ reader: local }), {
        ...metric,
        templateVariables: { app: 'x' },
      }),
    ).toMatchObject({
      errorClass: 'no-values',
      message:
        'Halt advancement no values found for custom metric: m: no values found',
    });
  });
});

describe('runMetricChecks', () => {
  it('runs built-ins and inline queries before templates and stops at the first failure', async () => {
    const asked = prometheus(PROM, query =>
      HttpResponse.json(vector(query.includes('errors') ? '5' : '100')),
    );
    const checks = await runMetricChecks(context(), [
      { name: 'from-template', templateRef: { name: 'absent' } },
      successRate,
      { name: 'errors', query: 'sum(errors)', thresholdRange: { max: 1 } },
      { name: 'never-run', query: 'sum(other)' },
    ]);
    expect(checks.map(c => [c.name, c.passed])).toEqual([
      ['request-success-rate', true],
      ['errors', false],
    ]);
    expect(asked).toHaveLength(2);
  });

  it('fails an entry that names no query source', async () => {
    const [check] = await runMetricChecks(context(), [{ name: 'custom' }]);
    expect(check).toMatchObject({
      passed: false,
      message:
        'Metric query failed for no usable metrics template and query were configured',
    });
  });
});
