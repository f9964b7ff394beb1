import type { Canary } from '@delivery/plugin-delivery-common';
import type { GatewayApiVersion } from './httpRoute';

/**
 * HTTPRoute filters derived from `spec.service`: request/response header modifiers (entries sorted so the object is
 * stable), URL rewrite, static request mirrors and CORS (Gateway API v1 only).
 */

type Obj = Record<string, unknown>;

/** The parts of `spec.service` the Canary type leaves open but Gateway API maps. */
export interface ServiceExtras {
  headers?: { request?: HeaderOps; response?: HeaderOps };
  rewrite?: { uri?: string; authority?: string; type?: string };
  mirror?: Array<{ backendRef?: Obj }>;
  corsPolicy?: {
    allowOrigin?: string[];
    allowMethods?: string[];
    allowHeaders?: string[];
    exposeHeaders?: string[];
    allowCredentials?: boolean;
    maxAge?: string;
  };
  timeout?: string;
  backendTimeout?: string;
}
interface HeaderOps {
  add?: Record<string, string>;
  set?: Record<string, string>;
  remove?: string[];
}

function headerList(values: Record<string, string> | undefined) {
  return Object.entries(values ?? {})
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => {
      if (a.name !== b.name) return a.name < b.name ? -1 : 1;
      return a.value < b.value ? -1 : Number(a.value > b.value);
    });
}

function headerFilter(ops: HeaderOps): Obj {
  const f: Obj = {};
  const add = headerList(ops.add);
  const set = headerList(ops.set);
  if (add.length) f.add = add;
  if (set.length) f.set = set;
  if (ops.remove?.length) f.remove = [...ops.remove];
  return f;
}

/** Converts "24h", "1m30s", "5s" to whole seconds; undefined when Go's ParseDuration would reject it. */
function durationSeconds(value: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = {
    ns: 1e-9,
    us: 1e-6,
    µs: 1e-6,
    ms: 1e-3,
    s: 1,
    m: 60,
    h: 3600,
  };
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    total += Number(m[1]) * unit[m[2]];
    consumed = re.lastIndex;
  }
  return consumed === value.length && consumed > 0
    ? Math.trunc(total)
    : undefined;
}

/** Static filters from `spec.service`: header modifiers, rewrite, mirrors, CORS (v1 only). */
export function serviceFilters(
  canary: Canary,
  version: GatewayApiVersion,
): Obj[] {
  const svc = canary.spec.service as ServiceExtras;
  const filters: Obj[] = [];
  if (svc.headers?.request) {
    filters.push({
      type: 'RequestHeaderModifier',
      requestHeaderModifier: headerFilter(svc.headers.request),
    });
  }
  if (svc.headers?.response) {
    filters.push({
      type: 'ResponseHeaderModifier',
      responseHeaderModifier: headerFilter(svc.headers.response),
    });
  }
  if (svc.rewrite) {
    const urlRewrite: Obj = {};
    if (svc.rewrite.authority) urlRewrite.hostname = svc.rewrite.authority;
    if (svc.rewrite.uri) {
      urlRewrite.path =
        svc.rewrite.type === 'ReplacePrefixMatch'
          ? { type: 'ReplacePrefixMatch', replacePrefixMatch: svc.rewrite.uri }
          : { type: 'ReplaceFullPath', replaceFullPath: svc.rewrite.uri };
    }
    filters.push({ type: 'URLRewrite', urlRewrite });
  }
  for (const mirror of svc.mirror ?? []) {
    filters.push({
      type: 'RequestMirror',
      requestMirror: { backendRef: { ...mirror.backendRef } },
    });
  }
  if (svc.corsPolicy && version === 'v1') {
    const p = svc.corsPolicy;
    const cors: Obj = {};
    if (p.allowOrigin?.length) cors.allowOrigins = [...p.allowOrigin];
    if (p.allowMethods?.length) cors.allowMethods = [...p.allowMethods];
    if (p.allowHeaders?.length) cors.allowHeaders = [...p.allowHeaders];
    if (p.exposeHeaders?.length) cors.exposeHeaders = [...p.exposeHeaders];
    if (p.allowCredentials) cors.allowCredentials = true;
    const maxAge = p.maxAge ? durationSeconds(p.maxAge) : undefined;
    if (maxAge !== undefined) cors.maxAge = maxAge;
    filters.push({ type: 'CORS', cors });
  }
  return filters;
}
