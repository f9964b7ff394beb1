import {
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  CANARY_PHASES,
  CanaryAction,
  CanaryDetails,
  CanaryRef,
  CanarySummary,
  ClusterHealth,
  EntityCanaries,
  FleetPage,
} from '@delivery/plugin-delivery-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { TargetLabels, entityMatcher, kubernetesIdOnly, targetMatches } from '../fleet/entityIndex';
import { MAX_FLEET_LIMIT, queryFleet } from '../fleet/fleetQuery';
import { canaryReadFilter } from './canaryAccess';
import { parseInput } from './validation';

/** Anything that can tell the health of the clusters the plugin talks to. */
export interface ClusterHealthSource {
  clusterHealth(): ClusterHealth[];
}

/** The in-memory read model the routes answer from. */
export interface FleetReadModel extends ClusterHealthSource {
  summaries(): Iterable<CanarySummary>;
  summary(ref: CanaryRef): CanarySummary | undefined;
  owners(ref: CanaryRef): string[];
  targetLabels(ref: CanaryRef): TargetLabels | undefined;
  /** A superset of the rows whose target has this kubernetes-id label value; without it every row is scanned. */
  rowsForKubernetesId?(id: string): Iterable<CanarySummary>;
  /** Cached lower-case search text of a row (see searchTextOf). */
  searchText?(row: CanarySummary): string;
}

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  health: ClusterHealthSource;
  permissions: PermissionsService;
  catalog: Pick<CatalogService, 'getEntityByRef'>;
  fleet: FleetReadModel;
  details: { details(ref: CanaryRef): Promise<CanaryDetails | undefined> };
  /** Fills `CanaryDetails.actions` for the caller; without it the details carry no actions. */
  actions?: { forCaller(credentials: BackstageCredentials, ref: CanaryRef): Promise<CanaryAction[]> };
}

const healthQuery = z
  .object({
    verbose: z.enum(['true', 'false']).optional(),
  })
  .strict();

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const k8sName = (what: string) =>
  z.string().max(253).regex(NAME, `must be a Kubernetes ${what} name (lowercase letters, digits, '-' and '.')`);
const asArray = (v: unknown) => {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : [v];
};
const list = <T extends z.ZodType>(item: T) => z.preprocess(asArray, z.array(item).optional());
const bool = z.enum(['true', 'false']).transform(v => v === 'true');
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));

const entityQuery = z.object({ entityRef: z.string().min(1, 'is required, e.g. component:default/podinfo') }).strict();

const fleetQuery = z
  .object({
    cluster: list(z.string().min(1)),
    namespace: list(z.string().min(1)),
    phase: list(z.enum(CANARY_PHASES as [string, ...string[]])),
    needsAttention: bool.optional(),
    search: z.string().max(200).optional(),
    sort: z.enum(['name', 'cluster', 'namespace', 'phase', 'updated']).optional(),
    order: z.enum(['asc', 'desc']).optional(),
    offset: int(0, 10_000_000).optional(),
    limit: int(1, MAX_FLEET_LIMIT).optional(),
  })
  .strict();

const canaryParams = z.object({
  cluster: k8sName('cluster'),
  namespace: k8sName('namespace'),
  name: k8sName('canary'),
});

/**
 * The plugin's HTTP surface. Handlers stay thin: parse with zod, authorize, read the in-memory fleet, respond.
 */
export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { health, httpAuth, permissions, catalog, fleet, details } = options;
  const router = Router();
  router.use(express.json({ limit: '100kb' }));

  // Liveness of the plugin itself plus a per-cluster summary; open to unauthenticated callers (load balancers),
  // so it reveals cluster names and states only, never credentials or canary data.
  router.get('/health', async (req, res) => {
    const query = parseInput(healthQuery, req.query, 'query');
    const clusters = health.clusterHealth();
    const body: Record<string, unknown> = { status: 'ok' };
    body.clusters = clusters.map(c =>
      query.verbose === 'true'
        ? { name: c.name, state: c.state, lastSyncTime: c.lastSyncTime, message: c.message }
        : { name: c.name, state: c.state },
    );
    res.json(body);
  });

  const visibleFilter = async (req: express.Request) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const allowed = await canaryReadFilter(permissions, credentials);
    // Undefined when every row is visible: no permission resource is built per row then.
    const visible =
      allowed &&
      ((s: CanarySummary) => allowed({ cluster: s.cluster, namespace: s.namespace, name: s.name, owners: fleet.owners(s) }));
    return { credentials, visible };
  };

  router.get('/clusters', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json({ items: fleet.clusterHealth() });
  });

  router.get('/fleet', async (req, res) => {
    const query = parseInput(fleetQuery, req.query, 'query');
    const { visible } = await visibleFilter(req);
    const page = queryFleet(
      fleet.summaries(),
      { ...query, phase: query.phase as FleetPage['items'][number]['phase'][] },
      { visible, searchText: fleet.searchText && (s => fleet.searchText!(s)) },
    );
    const body: FleetPage = { ...page, clusters: fleet.clusterHealth() };
    res.json(body);
  });

  router.get('/entity-canaries', async (req, res) => {
    const { entityRef } = parseInput(entityQuery, req.query, 'query');
    let ref: string;
    try {
      ref = stringifyEntityRef(parseEntityRef(entityRef, { defaultKind: 'component', defaultNamespace: 'default' }));
    } catch (e) {
      throw new InputError(`query.entityRef: ${(e as Error).message}; expected kind:namespace/name`);
    }
    const { credentials, visible } = await visibleFilter(req);
    // The entity is read with the caller's own credentials: what the catalog hides from them stays hidden here.
    const entity = await catalog.getEntityByRef(ref, { credentials });
    if (!entity) throw new NotFoundError(`entity ${ref} not found`);
    const clusters = fleet.clusterHealth();
    const matcher = entityMatcher(entity);
    const items: CanarySummary[] = [];
    if (matcher) {
      const id = kubernetesIdOnly(matcher);
      const candidates = id !== undefined && fleet.rowsForKubernetesId ? fleet.rowsForKubernetesId(id) : fleet.summaries();
      for (const s of candidates) {
        if (matcher.namespace && s.namespace !== matcher.namespace) continue;
        const labels = fleet.targetLabels(s);
        // Rows served from the warm-start snapshot have no live target yet: trust their recorded entity refs.
        const belongs = labels ? targetMatches(matcher, labels) : (s.entityRefs ?? []).includes(ref);
        if (belongs && (!visible || visible(s))) items.push(s);
      }
    }
    items.sort((a, b) => `${a.cluster}/${a.namespace}/${a.name}`.localeCompare(`${b.cluster}/${b.namespace}/${b.name}`));
    const body: EntityCanaries = {
      items,
      clusters,
      searched: {
        clusters: clusters.map(c => c.name),
        selector: matcher?.selectorText ?? '',
        namespace: matcher?.namespace,
      },
      notInstalled: clusters.every(c => c.state === 'not-installed'),
    };
    res.json(body);
  });

  router.get('/canaries/:cluster/:namespace/:name', async (req, res) => {
    const ref = parseInput(canaryParams, req.params, 'path');
    const { credentials, visible } = await visibleFilter(req);
    const summary = fleet.summary(ref);
    // A canary the caller may not read is reported like a missing one, so its existence is not revealed.
    if (!summary || (visible && !visible(summary))) {
      throw new NotFoundError(`canary ${ref.cluster}/${ref.namespace}/${ref.name} not found`);
    }
    const body = await details.details(ref);
    if (!body) {
      throw new NotFoundError(
        `canary ${ref.cluster}/${ref.namespace}/${ref.name} is only known from the last snapshot; details return once cluster ${ref.cluster} has re-synced`,
      );
    }
    if (options.actions) body.actions = await options.actions.forCaller(credentials, ref);
    res.json(body);
  });

  return router;
}
