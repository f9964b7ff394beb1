import {
  effectiveAnalysis,
  type Canary,
} from '@delivery/plugin-delivery-common';
import {
  KINDS,
  type KubeObject,
  type ObjectReader,
  type ObjectWriter,
} from '../kube/types';
import {
  TOOLKIT_ANNOTATIONS,
  capabilityProblems,
  equivalent,
  namespaceOf,
  newObject,
  notFoundError,
  serviceNames,
  withControllerRef,
  type Router,
  type RouterCallOptions,
  type RouterCapabilities,
  type Routes,
  type SpecProblem,
} from './router';

/**
 * NGINX Ingress: a second Ingress `<ingress>-canary`, copied from the user's Ingress with the apex backend renamed to
 * `<svc>-canary`, that ingress-nginx treats as the canary of the original through `canary*` annotations. The user's
 * Ingress is never modified.
 */

export const DEFAULT_NGINX_ANNOTATIONS_PREFIX = 'nginx.ingress.kubernetes.io';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

interface IngressBackend {
  service?: { name: string; port?: unknown };
  [key: string]: unknown;
}
interface IngressRule {
  host?: string;
  http?: {
    paths: Array<{ path?: string; pathType?: string; backend: IngressBackend }>;
  };
}
export interface Ingress extends KubeObject {
  spec: {
    defaultBackend?: IngressBackend;
    rules?: IngressRule[];
    [key: string]: unknown;
  };
}

/** The A/B routing an analysis match turns into; the last header and the last cookie win, as in Flagger. */
export interface NginxAbMatch {
  cookie?: string;
  header?: string;
  headerValue?: string;
  headerPattern?: string;
}

export function nginxAbMatch(canary: Canary): NginxAbMatch {
  const result: NginxAbMatch = {};
  for (const m of effectiveAnalysis(canary.spec)?.match ?? []) {
    for (const name of Object.keys(m.headers ?? {}).sort()) {
      const v = m.headers![name];
      if (name === 'cookie') {
        result.cookie = v.exact;
      } else {
        result.header = name;
        result.headerValue = v.exact;
        result.headerPattern = v.regex;
      }
    }
  }
  return result;
}

/** The canary Ingress `spec`: the user's spec with every `<svc>` backend pointed at `<svc>-canary`. */
export function canaryIngressSpec(
  canary: Canary,
  user: Ingress,
): Ingress['spec'] {
  const names = serviceNames(canary);
  const spec = structuredClone(user.spec ?? {});
  let found = false;
  for (const rule of spec.rules ?? []) {
    for (const path of rule.http?.paths ?? []) {
      if (path.backend?.service?.name === names.apex) {
        path.backend.service.name = names.canary;
        found = true;
      }
    }
  }
  if (!found)
    throw new Error(
      `backend ${names.apex} not found in ingress ${user.metadata.name}`,
    );
  return spec;
}

export class NginxAnnotations {
  constructor(
    private readonly prefix: string = DEFAULT_NGINX_ANNOTATIONS_PREFIX,
  ) {}

  key(suffix: string): string {
    return `${this.prefix}/${suffix}`;
  }

  /** User annotations without any `canary*` key or kubectl's copy, plus toolkit, `canary: "true"`, weight 0. */
  clean(
    annotations: Record<string, string> | undefined,
  ): Record<string, string> {
    const out: Record<string, string> = {};
    const canaryPrefix = this.key('canary');
    for (const [k, v] of Object.entries({
      ...(annotations ?? {}),
      ...TOOLKIT_ANNOTATIONS,
    })) {
      if (!k.includes(canaryPrefix) && !k.includes(LAST_APPLIED)) out[k] = v;
    }
    out[this.key('canary')] = 'true';
    out[this.key('canary-weight')] = '0';
    return out;
  }

  /** Annotations for the given weights; an A/B run routes by header or cookie instead of weight. */
  forRoutes(
    current: Record<string, string> | undefined,
    canaryWeight: number,
    ab?: NginxAbMatch,
  ) {
    const out = this.clean(current);
    if (canaryWeight <= 0) return out;
    if (ab) {
      if (ab.cookie) out[this.key('canary-by-cookie')] = ab.cookie;
      if (ab.header) out[this.key('canary-by-header')] = ab.header;
      if (ab.headerValue)
        out[this.key('canary-by-header-value')] = ab.headerValue;
      if (ab.headerPattern)
        out[this.key('canary-by-header-pattern')] = ab.headerPattern;
    } else {
      out[this.key('canary-weight')] = String(canaryWeight);
    }
    return out;
  }

  /** 0/100 while an A/B annotation is present, else the weight annotation. */
  routes(
    annotations: Record<string, string> | undefined,
    abTesting: boolean,
  ): Routes {
    const a = annotations ?? {};
    if (
      abTesting &&
      (a[this.key('canary-by-cookie')] !== undefined ||
        a[this.key('canary-by-header')] !== undefined)
    ) {
      return { primary: 0, canary: 100, mirrored: false };
    }
    const raw = a[this.key('canary-weight')];
    const weight = raw === undefined ? 0 : Number(raw);
    if (!Number.isInteger(weight))
      throw new Error(`failed to convert ${raw} to int`);
    return { primary: 100 - weight, canary: weight, mirrored: false };
  }
}

export interface NginxRouterOptions {
  reader: ObjectReader;
  writer: ObjectWriter;
  /** ingress-nginx's `--annotations-prefix`; Flagger's `-ingress-annotations-prefix`. */
  annotationsPrefix?: string;
}

export class NginxRouter implements Router {
  readonly provider = 'nginx';
  readonly capabilities: RouterCapabilities = {
    mirror: false,
    mirrorStrategies: [],
    abMatch: true,
  };
  private readonly reader: ObjectReader;
  private readonly writer: ObjectWriter;
  private readonly annotations: NginxAnnotations;

  constructor(options: NginxRouterOptions) {
    this.reader = options.reader;
    this.writer = options.writer;
    this.annotations = new NginxAnnotations(
      options.annotationsPrefix ?? DEFAULT_NGINX_ANNOTATIONS_PREFIX,
    );
  }

  objectRef(canary: Canary) {
    const ingress = canary.spec.ingressRef?.name;
    return ingress
      ? {
          kind: KINDS.ingress,
          namespace: namespaceOf(canary),
          name: `${ingress}-canary`,
        }
      : undefined;
  }

  validate(canary: Canary): SpecProblem[] {
    const problems = capabilityProblems(
      canary,
      this.provider,
      this.capabilities,
    );
    if (!canary.spec.ingressRef?.name) {
      problems.push({
        field: 'spec.ingressRef',
        message: 'ingress selector is empty',
        fix: `set spec.ingressRef: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: <the Ingress whose backend is ${
          serviceNames(canary).apex
        }>}`,
      });
    }
    const analysisField = canary.spec.analysis
      ? 'spec.analysis'
      : 'spec.canaryAnalysis';
    const matches = effectiveAnalysis(canary.spec)?.match ?? [];
    if (
      (effectiveAnalysis(canary.spec)?.iterations ?? 0) > 0 &&
      matches.length
    ) {
      const usable = matches.some(m =>
        Object.values(m.headers ?? {}).some(v => v.exact || v.regex),
      );
      if (!usable) {
        problems.push({
          field: `${analysisField}.match`,
          message:
            'NGINX routes A/B traffic only by a header (exact or regex) or a cookie (exact); no such match is set',
          fix: `add e.g. {headers: {x-canary: {exact: "insider"}}} or {headers: {cookie: {exact: "canary"}}} to ${analysisField}.match`,
        });
      }
    }
    return problems;
  }

  async reconcile(canary: Canary, opts?: RouterCallOptions): Promise<void> {
    const namespace = namespaceOf(canary);
    const userName = this.ingressName(canary);
    const user = this.reader.get<Ingress>(KINDS.ingress, namespace, userName);
    if (!user) throw notFoundError('ingress', userName, namespace);
    const spec = canaryIngressSpec(canary, user);
    const name = `${userName}-canary`;
    await this.writer.update<Ingress>(
      KINDS.ingress,
      namespace,
      name,
      live => {
        if (!live) {
          const metadata = withControllerRef(
            {
              name,
              namespace,
              labels: { ...(user.metadata.labels ?? {}) },
              annotations: this.annotations.clean(user.metadata.annotations),
            },
            canary,
          );
          return newObject(KINDS.ingress, metadata, { spec }) as Ingress;
        }
        // Only the spec follows the user's Ingress; annotations carry the weights and are left alone.
        return equivalent(spec, live.spec) ? undefined : { ...live, spec };
      },
      opts,
    );
  }

  async setRoutes(
    canary: Canary,
    routes: Routes,
    opts?: RouterCallOptions,
  ): Promise<void> {
    const namespace = namespaceOf(canary);
    const name = `${this.ingressName(canary)}-canary`;
    const abTesting = (effectiveAnalysis(canary.spec)?.match?.length ?? 0) > 0;
    await this.writer.update<Ingress>(
      KINDS.ingress,
      namespace,
      name,
      live => {
        if (!live) throw notFoundError('ingress', name, namespace);
        const annotations = this.annotations.forRoutes(
          live.metadata.annotations,
          routes.canary,
          abTesting ? nginxAbMatch(canary) : undefined,
        );
        if (equivalent(annotations, live.metadata.annotations))
          return undefined;
        return { ...live, metadata: { ...live.metadata, annotations } };
      },
      opts,
    );
  }

  async getRoutes(canary: Canary): Promise<Routes> {
    const namespace = namespaceOf(canary);
    const name = `${this.ingressName(canary)}-canary`;
    const live = this.reader.get<Ingress>(KINDS.ingress, namespace, name);
    if (!live) throw notFoundError('ingress', name, namespace);
    const abTesting = (effectiveAnalysis(canary.spec)?.match?.length ?? 0) > 0;
    return this.annotations.routes(live.metadata.annotations, abTesting);
  }

  async finalize(): Promise<void> {}

  private ingressName(canary: Canary): string {
    const name = canary.spec.ingressRef?.name;
    if (!name) throw new Error('ingress selector is empty');
    return name;
  }
}
