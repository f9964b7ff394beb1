import {
  effectiveAnalysis,
  type Canary,
  type HttpMatchRequest,
  type StringMatch,
} from '@delivery/plugin-delivery-common';
import { serviceFilters, type ServiceExtras } from './httpRouteFilters';
import { serviceNames, type Routes } from './router';

/**
 * Pure builders for the Gateway API `HTTPRoute` the gatewayapi router manages: Canary spec + weights in, HTTPRoute
 * `spec` out, and the reverse (weights, mirror state, parent readiness) for reading it back.
 */

export type GatewayApiVersion = 'v1' | 'v1beta1';

type Obj = Record<string, unknown>;

export interface HttpRouteMatch {
  path?: { type: string; value: string };
  method?: string;
  headers?: Array<{ type: string; name: string; value: string }>;
  queryParams?: Array<{ type: string; name: string; value: string }>;
}

export interface HttpBackendRef {
  group: string;
  kind: string;
  name: string;
  port: number;
  weight: number;
  filters?: Obj[];
}

export interface HttpRouteRule {
  matches?: HttpRouteMatch[];
  filters?: Obj[];
  backendRefs?: HttpBackendRef[];
  timeouts?: { request?: string; backendRequest?: string };
}

export interface HttpRouteSpec {
  parentRefs: Obj[];
  hostnames?: string[];
  rules: HttpRouteRule[];
}

const DEFAULT_MATCH: HttpRouteMatch = {
  path: { type: 'PathPrefix', value: '/' },
};

export class UnsupportedMatchError extends Error {
  readonly name = 'UnsupportedMatchError';
}

function mapStringMatches(
  what: 'header' | 'query',
  entries: Record<string, StringMatch> | undefined,
): HttpRouteMatch['headers'] {
  // Sorted so the generated object is stable (Go map order is random, which made Flagger rewrite routes).
  return Object.keys(entries ?? {})
    .sort()
    .map(name => {
      const m = entries![name];
      if (m.exact) return { type: 'Exact', name, value: m.exact };
      if (m.regex) return { type: 'RegularExpression', name, value: m.regex };
      throw new UnsupportedMatchError(
        `Gateway API doesn't support the specified ${what} matching selector for ${name}: ${JSON.stringify(
          m,
        )} (use exact or regex)`,
      );
    });
}

/** Istio-style request matches → HTTPRoute matches; only what Gateway API can express. */
export function mapMatches(
  requestMatches: HttpMatchRequest[] | undefined,
): HttpRouteMatch[] {
  const out: HttpRouteMatch[] = [];
  for (const rm of requestMatches ?? []) {
    const match: HttpRouteMatch = {};
    if (rm.uri) {
      if (rm.uri.regex)
        match.path = { type: 'RegularExpression', value: rm.uri.regex };
      else if (rm.uri.exact)
        match.path = { type: 'Exact', value: rm.uri.exact };
      else if (rm.uri.prefix)
        match.path = { type: 'PathPrefix', value: rm.uri.prefix };
      else {
        throw new UnsupportedMatchError(
          `Gateway API doesn't support the specified path matching selector: ${JSON.stringify(
            rm.uri,
          )} (use exact, prefix or regex)`,
        );
      }
    }
    if (rm.method) {
      if (!rm.method.exact) {
        throw new UnsupportedMatchError(
          `Gateway API doesn't support the specified method matching selector: ${JSON.stringify(
            rm.method,
          )} (use exact)`,
        );
      }
      match.method = rm.method.exact;
    }
    const headers = mapStringMatches('header', rm.headers);
    if (headers?.length) match.headers = headers;
    const query = mapStringMatches('query', rm.queryParams);
    if (query?.length) match.queryParams = query;
    if (Object.keys(match).length) out.push(match);
  }
  return out;
}

/** A/B: every analysis match applied to every service match (headers and query params replaced). */
export function mergeMatches(
  analysis: HttpRouteMatch[],
  service: HttpRouteMatch[],
): HttpRouteMatch[] {
  if (!analysis.length) return service;
  if (!service.length) return analysis;
  const merged: HttpRouteMatch[] = [];
  for (const a of analysis) {
    for (const s of service) {
      const m: HttpRouteMatch = structuredClone(s);
      if (a.headers?.length) m.headers = a.headers;
      if (a.queryParams?.length) m.queryParams = a.queryParams;
      merged.push(m);
    }
  }
  return merged;
}

function backendRef(
  name: string,
  port: number,
  weight: number,
): HttpBackendRef {
  return { group: '', kind: 'Service', name, port, weight };
}

function timeouts(
  canary: Canary,
  version: GatewayApiVersion,
): HttpRouteRule['timeouts'] | undefined {
  const svc = canary.spec.service as ServiceExtras;
  if (version !== 'v1' || (!svc.timeout && !svc.backendTimeout))
    return undefined;
  return {
    ...(svc.timeout ? { request: svc.timeout } : {}),
    ...(svc.backendTimeout ? { backendRequest: svc.backendTimeout } : {}),
  };
}

function rule(
  matches: HttpRouteMatch[],
  filters: Obj[],
  backendRefs: HttpBackendRef[],
  t: HttpRouteRule['timeouts'],
): HttpRouteRule {
  return {
    matches,
    ...(filters.length ? { filters } : {}),
    backendRefs,
    ...(t ? { timeouts: t } : {}),
  };
}

/**
 * The desired HTTPRoute spec at the given weights. Throws UnsupportedMatchError for matches Gateway API cannot
 * express. Mirroring is written only for Blue/Green (iterations > 0), as in Flagger.
 */
export function httpRouteSpec(
  canary: Canary,
  routes: Routes,
  version: GatewayApiVersion,
): HttpRouteSpec {
  const names = serviceNames(canary);
  const port = canary.spec.service.port;
  const analysis = effectiveAnalysis(canary.spec) ?? {};
  const serviceMatches = mapMatches(canary.spec.service.match);
  const matches = serviceMatches.length
    ? serviceMatches
    : [structuredClone(DEFAULT_MATCH)];
  const filters = serviceFilters(canary, version);
  const t = timeouts(canary, version);

  const weightedFilters = [...filters];
  if (routes.mirrored && (analysis.iterations ?? 0) > 0) {
    weightedFilters.push({
      type: 'RequestMirror',
      requestMirror: {
        backendRef: { group: '', kind: 'Service', name: names.canary, port },
      },
    });
  }
  const weighted = rule(
    matches,
    weightedFilters,
    [
      backendRef(names.primary, port, routes.primary),
      backendRef(names.canary, port, routes.canary),
    ],
    t,
  );
  const rules = [weighted];
  if ((analysis.match?.length ?? 0) > 0) {
    weighted.matches = mergeMatches(mapMatches(analysis.match), matches);
    rules.push(
      rule(
        structuredClone(matches),
        filters,
        [backendRef(names.primary, port, 100)],
        t,
      ),
    );
  }
  const spec: HttpRouteSpec = {
    parentRefs: (canary.spec.service.gatewayRefs ?? []).map(r => ({ ...r })),
    rules,
  };
  if (canary.spec.service.hosts?.length)
    spec.hostnames = [...canary.spec.service.hosts];
  return spec;
}

/** Weights from the first rule with two backendRefs; mirrored when a rule mirrors to the canary service. */
export function httpRouteRoutes(
  spec: HttpRouteSpec | undefined,
  canary: Canary,
): Routes {
  const names = serviceNames(canary);
  const routes: Routes = { primary: 0, canary: 0, mirrored: false };
  const weighted = spec?.rules?.find(r => r.backendRefs?.length === 2);
  for (const ref of weighted?.backendRefs ?? []) {
    if (ref.name === names.primary) routes.primary = ref.weight ?? 1;
    if (ref.name === names.canary) routes.canary = ref.weight ?? 1;
  }
  routes.mirrored = (spec?.rules ?? []).some(r =>
    (r.filters ?? []).some(
      f =>
        f.type === 'RequestMirror' &&
        (f.requestMirror as Obj | undefined)?.backendRef &&
        (f.requestMirror as { backendRef: Obj }).backendRef.name ===
          names.canary,
    ),
  );
  return routes;
}

/** Fills the defaults the API server adds, so a live route compares equal to the spec we would write. */
export function normalizeHttpRouteSpec(
  spec: HttpRouteSpec | undefined,
): HttpRouteSpec | undefined {
  if (!spec) return spec;
  const s = structuredClone(spec);
  s.parentRefs = (s.parentRefs ?? []).map(normalizeParentRef);
  s.rules = (s.rules ?? []).map(r => ({
    ...r,
    matches: (r.matches?.length ? r.matches : [DEFAULT_MATCH]).map(m => ({
      ...m,
      ...(m.path
        ? {
            path: {
              type: m.path.type ?? 'PathPrefix',
              value: m.path.value ?? '/',
            },
          }
        : {}),
      ...(m.headers
        ? { headers: m.headers.map(h => ({ ...h, type: h.type ?? 'Exact' })) }
        : {}),
      ...(m.queryParams
        ? {
            queryParams: m.queryParams.map(q => ({
              ...q,
              type: q.type ?? 'Exact',
            })),
          }
        : {}),
    })),
    backendRefs: r.backendRefs?.map(b => ({
      ...b,
      group: b.group ?? '',
      kind: b.kind ?? 'Service',
      weight: b.weight ?? 1,
    })),
  }));
  return s;
}

export function normalizeParentRef(ref: Obj): Obj {
  return {
    ...ref,
    group: ref.group ?? 'gateway.networking.k8s.io',
    kind: ref.kind ?? 'Gateway',
  };
}
