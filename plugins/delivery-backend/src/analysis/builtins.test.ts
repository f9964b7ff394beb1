import { podinfoCanary } from '../routers/__fixtures__/podinfo';
import { builtinQuery, chooseObserver, durationMs } from './builtins';
import { metricTemplateModel, renderQuery } from './templates';

describe('chooseObserver', () => {
  it.each([
    ['linkerd', undefined, 'Deployment', 'linkerd', 'linkerd', false],
    ['nginx', undefined, 'Deployment', 'nginx', 'nginx', false],
    ['kubernetes', undefined, 'Deployment', 'http', 'kubernetes', false],
    ['gatewayapi:v1', undefined, 'Deployment', 'http', 'gatewayapi:v1', false],
    [
      'istio',
      'gatewayapi:v1beta1',
      'Deployment',
      'http',
      'gatewayapi:v1beta1',
      false,
    ],
    // A global Linkerd wins over any per-canary provider.
    ['linkerd', 'gatewayapi:v1', 'Deployment', 'linkerd', 'linkerd', false],
    ['smi:crossover', undefined, 'Deployment', 'istio', 'crossover', true],
    ['smi:v1alpha1', undefined, 'Deployment', 'istio', 'smi:v1alpha1', true],
    ['linkerd', undefined, 'Service', 'istio', 'linkerd:service', true],
  ])(
    'global %s, spec %s, target %s → %s observer (%s)',
    (mesh, provider, kind, observer, providerName, fellBack) => {
      const canary = podinfoCanary({
        spec: {
          provider,
          targetRef: { apiVersion: 'v1', kind, name: 'podinfo' },
        },
      });
      expect(chooseObserver(canary, mesh)).toEqual({
        observer,
        providerName,
        fellBackToIstio: fellBack,
      });
    },
  );
});

describe('builtinQuery', () => {
  const model = metricTemplateModel(podinfoCanary(), '1m');
  const render = (q: string) =>
    renderQuery(q, model).replace(/\s+/g, ' ').trim();

  it('renders Linkerd success rate exactly', () => {
    expect(render(builtinQuery('linkerd', 'request-success-rate'))).toBe(
      'sum(rate(response_total{namespace="test",deployment=~"podinfo",classification!="failure",direction="inbound"}[1m])) / sum(rate(response_total{namespace="test",deployment=~"podinfo",direction="inbound"}[1m])) * 100',
    );
  });

  it('renders the HTTP observer duration exactly', () => {
    expect(render(builtinQuery('http', 'request-duration'))).toBe(
      'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{kubernetes_namespace="test",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[1m])) by (le))',
    );
  });

  it('renders NGINX queries against the ingress', () => {
    const q = renderQuery(
      builtinQuery('nginx', 'request-duration'),
      metricTemplateModel(
        podinfoCanary({
          spec: { ingressRef: { kind: 'Ingress', name: 'public' } },
        }),
        '1m',
      ),
    );
    expect(q).toContain(
      'nginx_ingress_controller_response_duration_seconds_sum{namespace="test",ingress="public",canary!=""}[1m]',
    );
    expect(q.trim().endsWith('* 1000')).toBe(true);
  });

  it('renders Istio queries with the anchored workload regex', () => {
    expect(render(builtinQuery('istio', 'request-duration'))).toContain(
      'destination_workload=~"podinfo"}[1m])) by (le))',
    );
  });
});

describe('durationMs', () => {
  it.each([
    ['http', 0.2509, 250],
    ['http', 1.2, 1200],
    ['linkerd', 499.9, 499],
    ['istio', 12, 12],
  ] as const)('%s %d → %d ms', (observer, value, ms) =>
    expect(durationMs(observer, value)).toBe(ms),
  );
});
