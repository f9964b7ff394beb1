import { podinfoCanary } from '../routers/__fixtures__/podinfo';
import {
  TemplateError,
  goSprintf,
  metricTemplateModel,
  renderQuery,
} from './templates';

const model = metricTemplateModel(
  podinfoCanary({
    spec: {
      service: { port: 9898, name: 'web' },
      ingressRef: { kind: 'Ingress', name: 'public' },
    },
  }),
  '2m',
  { app: 'podinfo', quantile: '0.95' },
);

describe('metricTemplateModel', () => {
  it('derives service, ingress and route with target fallbacks', () => {
    expect(model).toEqual({
      name: 'podinfo',
      namespace: 'test',
      target: 'podinfo',
      service: 'web',
      ingress: 'public',
      route: 'podinfo',
      interval: '2m',
      variables: { app: 'podinfo', quantile: '0.95' },
    });
  });
});

describe('renderQuery', () => {
  it.each([
    [
      'rate(x{ns="{{ namespace }}",t=~"{{ target }}"}[{{ interval }}])',
      'rate(x{ns="test",t=~"podinfo"}[2m])',
    ],
    [
      '{{name}}/{{ service }}/{{ ingress }}/{{ route }}',
      'podinfo/web/public/podinfo',
    ],
    [
      'histogram_quantile({{ variables.quantile }}, y{app="{{ variables.app }}"})',
      'histogram_quantile(0.95, y{app="podinfo"})',
    ],
    ['a  {{- " b" -}}   c', 'a bc'],
    [
      '{{- $route := printf "kube_%s__%s_canary" namespace ingress }}x{{ $route }}',
      'xkube_test__public_canary',
    ],
    ['{{ $a := "one" }}{{ $a = "two" }}{{ $a }}', 'two'],
    ['{{ namespace | printf "ns=%s" }}', 'ns=test'],
    ['{{ printf "%s-%s" (printf "%s" target) "x" }}', 'podinfo-x'],
    ['{{/* a comment */}}q', 'q'],
    ['{{ "}}" }}', '}}'],
    ['no actions', 'no actions'],
  ])('renders %s', (template, expected) => {
    expect(renderQuery(template, model)).toBe(expected);
  });

  it.each([
    ['{{ variables.missing }}', /map has no entry for key "missing"/],
    ['{{ nope }}', /function "nope" not defined/],
    ['{{ $x }}', /undefined variable "\$x"/],
    ['{{ if true }}a{{ end }}', /"if" is not supported/],
    ['{{ target', /unclosed action/],
    ['{{ "a" "b" }}', /can't give argument to non-function/],
    ['{{ target.x }}', /can't evaluate field x in type string/],
    ['{{ name "x" }}', /wrong number of args for name/],
  ])('fails %s', (template, message) => {
    expect(() => renderQuery(template, model)).toThrow(TemplateError);
    expect(() => renderQuery(template, model)).toThrow(message);
  });

  it('names the line of the failing action', () => {
    expect(() => renderQuery('a\nb {{ variables.x }}', model)).toThrow(
      /^template: tmpl:2:3: executing "tmpl" at <variables.x>/,
    );
  });
});

describe('goSprintf', () => {
  it.each([
    ['%s/%v/%d', ['a', 'b', 3], 'a/b/3'],
    ['%q', ['x'], '"x"'],
    ['%.1f%%', [12.345], '12.3%'],
    ['%s %s', ['a'], 'a %!s(MISSING)'],
    ['%s', ['a', 'b'], 'a%!(EXTRA string=b)'],
    ['%d', ['a'], '%!d(string=a)'],
  ])('%s with %j', (format, args, expected) =>
    expect(goSprintf(format, args)).toBe(expected),
  );
});
