import { gammaRef, gatewayCanary } from './__fixtures__/podinfo';
import {
  httpRouteRoutes,
  httpRouteSpec,
  mapMatches,
  mergeMatches,
} from './httpRoute';

describe('httpRouteSpec', () => {
  it('matches the worked example at canary weight 30 (d.6)', () => {
    const spec = httpRouteSpec(
      gatewayCanary(),
      { primary: 70, canary: 30, mirrored: false },
      'v1',
    );
    expect(spec).toEqual({
      parentRefs: [gammaRef],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [
            {
              group: '',
              kind: 'Service',
              name: 'podinfo-primary',
              port: 9898,
              weight: 70,
            },
            {
              group: '',
              kind: 'Service',
              name: 'podinfo-canary',
              port: 9898,
              weight: 30,
            },
          ],
        },
      ],
    });
  });

  it('builds A/B rules: analysis headers x service matches to the canary rule, service matches to primary only', () => {
    const canary = gatewayCanary({
      spec: {
        service: {
          port: 9898,
          match: [{ uri: { prefix: '/api' } }, { uri: { exact: '/healthz' } }],
        },
      },
      analysis: {
        iterations: 10,
        match: [
          { headers: { 'x-canary': { exact: 'insider' } } },
          { headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } },
        ],
      },
    });
    const spec = httpRouteSpec(
      canary,
      { primary: 0, canary: 100, mirrored: false },
      'v1',
    );
    expect(spec.rules[0].matches).toEqual([
      {
        path: { type: 'PathPrefix', value: '/api' },
        headers: [{ type: 'Exact', name: 'x-canary', value: 'insider' }],
      },
      {
        path: { type: 'Exact', value: '/healthz' },
        headers: [{ type: 'Exact', name: 'x-canary', value: 'insider' }],
      },
      {
        path: { type: 'PathPrefix', value: '/api' },
        headers: [
          {
            type: 'RegularExpression',
            name: 'cookie',
            value: '^(.*?;)?(canary=always)(;.*)?$',
          },
        ],
      },
      {
        path: { type: 'Exact', value: '/healthz' },
        headers: [
          {
            type: 'RegularExpression',
            name: 'cookie',
            value: '^(.*?;)?(canary=always)(;.*)?$',
          },
        ],
      },
    ]);
    expect(spec.rules[0].backendRefs!.map(b => b.weight)).toEqual([0, 100]);
    expect(spec.rules[1]).toEqual({
      matches: [
        { path: { type: 'PathPrefix', value: '/api' } },
        { path: { type: 'Exact', value: '/healthz' } },
      ],
      backendRefs: [
        {
          group: '',
          kind: 'Service',
          name: 'podinfo-primary',
          port: 9898,
          weight: 100,
        },
      ],
    });
  });

  it('adds a RequestMirror filter to the canary only for mirrored Blue/Green', () => {
    const bg = gatewayCanary({ analysis: { iterations: 5, mirror: true } });
    const mirrored = httpRouteSpec(
      bg,
      { primary: 100, canary: 0, mirrored: true },
      'v1',
    );
    expect(mirrored.rules[0].filters).toEqual([
      {
        type: 'RequestMirror',
        requestMirror: {
          backendRef: {
            group: '',
            kind: 'Service',
            name: 'podinfo-canary',
            port: 9898,
          },
        },
      },
    ]);
    expect(httpRouteRoutes(mirrored, bg)).toEqual({
      primary: 100,
      canary: 0,
      mirrored: true,
    });
    const progressive = gatewayCanary({ analysis: { mirror: true } });
    expect(
      httpRouteSpec(
        progressive,
        { primary: 100, canary: 0, mirrored: true },
        'v1',
      ).rules[0].filters,
    ).toBeUndefined();
  });

  it('maps headers, rewrite and timeouts; CORS and timeouts only in v1', () => {
    const canary = gatewayCanary({
      spec: {
        service: {
          port: 9898,
          hosts: ['app.example.com'],
          timeout: '30s',
          headers: { request: { set: { b: '2', a: '1' }, remove: ['x-drop'] } },
          rewrite: { uri: '/v2', type: 'ReplacePrefixMatch' },
          corsPolicy: {
            allowOrigin: ['https://example.com'],
            allowMethods: ['GET'],
            maxAge: '24h',
          },
        },
      },
    });
    const v1 = httpRouteSpec(
      canary,
      { primary: 100, canary: 0, mirrored: false },
      'v1',
    );
    expect(v1.hostnames).toEqual(['app.example.com']);
    expect(v1.rules[0].timeouts).toEqual({ request: '30s' });
    expect(v1.rules[0].filters).toEqual([
      {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: {
          set: [
            { name: 'a', value: '1' },
            { name: 'b', value: '2' },
          ],
          remove: ['x-drop'],
        },
      },
      {
        type: 'URLRewrite',
        urlRewrite: {
          path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' },
        },
      },
      {
        type: 'CORS',
        cors: {
          allowOrigins: ['https://example.com'],
          allowMethods: ['GET'],
          maxAge: 86400,
        },
      },
    ]);
    const v1beta1 = httpRouteSpec(
      canary,
      { primary: 100, canary: 0, mirrored: false },
      'v1beta1',
    );
    expect(v1beta1.rules[0].timeouts).toBeUndefined();
    expect(v1beta1.rules[0].filters!.map(f => f.type)).toEqual([
      'RequestHeaderModifier',
      'URLRewrite',
    ]);
  });

  it('rejects matches Gateway API cannot express', () => {
    expect(() => mapMatches([{ uri: { suffix: '.png' } }])).toThrow(
      /doesn't support the specified path matching selector/,
    );
    expect(() => mapMatches([{ headers: { 'x-a': { prefix: 'b' } } }])).toThrow(
      /header matching selector for x-a/,
    );
  });

  it('merges analysis matches into service matches only when both exist', () => {
    const a = [{ headers: [{ type: 'Exact', name: 'x', value: '1' }] }];
    expect(mergeMatches(a, [])).toBe(a);
    expect(mergeMatches([], a)).toBe(a);
  });
});
