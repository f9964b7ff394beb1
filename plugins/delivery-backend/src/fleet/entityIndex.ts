import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import {
  Entity,
  RELATION_OWNED_BY,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  DELIVERY_GRAFANA_DASHBOARD_ANNOTATION,
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_ID_LABEL,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
  KUBERNETES_NAMESPACE_ANNOTATION,
} from '@delivery/plugin-delivery-common';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { LabelSelector, matchesSelector, parseLabelSelector } from './labelSelector';

/** How to recognise the canaries of one entity. */
export interface EntityMatcher {
  entityRef: string;
  owners: string[];
  /** Alternatives: a target matching any one of them belongs to the entity. */
  selectors: LabelSelector[];
  /** Human form of what is searched, for empty states. */
  selectorText: string;
  namespace?: string;
  /** `delivery.backstage.io/grafana-dashboard`, when the entity overrides the Grafana link. */
  grafanaDashboard?: string;
}

/** What a canary's target looks like to the matcher. */
export interface TargetLabels {
  namespace: string;
  /** Labels of the workload and of its pod template; either may carry the entity's labels. */
  labelSets: Array<Record<string, string> | undefined>;
}

/** Owner refs of an entity: `spec.owner` (as a full ref, default kind Group) and ownedBy relations. */
export function ownersOf(entity: Entity): string[] {
  const owners = new Set<string>();
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof owner === 'string' && owner) {
    try {
      owners.add(
        stringifyEntityRef(
          parseEntityRef(owner, { defaultKind: 'group', defaultNamespace: entity.metadata.namespace ?? 'default' }),
        ),
      );
    } catch {
      // an unparseable owner is the catalog's problem; it simply grants nothing here
    }
  }
  for (const r of entity.relations ?? []) {
    if (r.type === RELATION_OWNED_BY) owners.add(r.targetRef);
  }
  return [...owners];
}

/**
 * Builds the matcher of an entity from the Kubernetes plugin's annotations, or undefined when it has none.
 * Throws an InputError when the label selector annotation cannot be parsed.
 */
export function entityMatcher(entity: Entity): EntityMatcher | undefined {
  const a = entity.metadata.annotations ?? {};
  const id = a[KUBERNETES_ID_ANNOTATION]?.trim();
  const selectorText = a[KUBERNETES_LABEL_SELECTOR_ANNOTATION]?.trim();
  if (!id && !selectorText) return undefined;
  const selectors: LabelSelector[] = [];
  const texts: string[] = [];
  if (id) {
    selectors.push([{ op: 'in', key: KUBERNETES_ID_LABEL, values: [id] }]);
    texts.push(`${KUBERNETES_ID_LABEL}=${id}`);
  }
  if (selectorText) {
    selectors.push(parseLabelSelector(selectorText));
    texts.push(selectorText);
  }
  return {
    entityRef: stringifyEntityRef(entity),
    owners: ownersOf(entity),
    selectors,
    selectorText: texts.join(' or '),
    namespace: a[KUBERNETES_NAMESPACE_ANNOTATION]?.trim() || undefined,
    grafanaDashboard: a[DELIVERY_GRAFANA_DASHBOARD_ANNOTATION]?.trim() || undefined,
  };
}

/**
 * The kubernetes-id when it is the matcher's only selector (the common case): then exactly the targets carrying that
 * label value match, and a fleet index by that value finds them without walking every row.
 */
export function kubernetesIdOnly(matcher: EntityMatcher): string | undefined {
  if (matcher.selectors.length !== 1) return undefined;
  const [sel] = matcher.selectors;
  const [req] = sel;
  if (sel.length !== 1 || req.op !== 'in' || req.key !== KUBERNETES_ID_LABEL || req.values.length !== 1) return undefined;
  return req.values[0];
}

/** The distinct kubernetes-id label values of a target (workload and pod template labels). */
export function kubernetesIdsOf(target: TargetLabels): string[] {
  const ids: string[] = [];
  for (const labels of target.labelSets) {
    const id = labels?.[KUBERNETES_ID_LABEL];
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

export function targetMatches(matcher: EntityMatcher, target: TargetLabels): boolean {
  if (matcher.namespace && matcher.namespace !== target.namespace) return false;
  return matcher.selectors.some(sel => target.labelSets.some(labels => labels && matchesSelector(sel, labels)));
}

export interface CatalogEntityIndexOptions {
  catalog: Pick<CatalogService, 'getEntities'>;
  auth: AuthService;
  logger: LoggerService;
}

/**
 * Every catalog entity that can own canaries, loaded with the plugin's own credentials. It feeds the `owners` of the
 * permission resource and the entity refs shown on the fleet page; it never decides what a user may read on its own —
 * the entity route always re-reads the entity with the caller's credentials.
 */
export class CatalogEntityIndex {
  private matchers: EntityMatcher[] = [];
  private byId = new Map<string, EntityMatcher[]>();
  private readonly o: CatalogEntityIndexOptions;
  private version_ = 0;

  constructor(options: CatalogEntityIndexOptions) {
    this.o = options;
  }

  /** Increases whenever the matcher set changed, so callers can re-derive entity refs lazily. */
  get version(): number {
    return this.version_;
  }

  setEntities(entities: Entity[]) {
    const matchers: EntityMatcher[] = [];
    for (const e of entities) {
      try {
        const m = entityMatcher(e);
        if (m) matchers.push(m);
      } catch (err) {
        this.o.logger.warn(`entity ${stringifyEntityRef(e)}: ${(err as Error).message}`);
      }
    }
    this.matchers = matchers;
    this.byId = new Map();
    for (const m of matchers) {
      for (const sel of m.selectors) {
        // Fast path for the common kubernetes-id-only selector.
        if (sel.length === 1 && sel[0].op === 'in' && sel[0].key === KUBERNETES_ID_LABEL && sel[0].values.length === 1) {
          const list = this.byId.get(sel[0].values[0]) ?? [];
          list.push(m);
          this.byId.set(sel[0].values[0], list);
        }
      }
    }
    this.version_++;
  }

  async refresh(signal?: AbortSignal): Promise<void> {
    const credentials = await this.o.auth.getOwnServiceCredentials();
    const filter: Array<Record<string, symbol>> = [
      { [`metadata.annotations.${KUBERNETES_ID_ANNOTATION}`]: CATALOG_FILTER_EXISTS },
      { [`metadata.annotations.${KUBERNETES_LABEL_SELECTOR_ANNOTATION}`]: CATALOG_FILTER_EXISTS },
    ];
    if (signal?.aborted) return;
    const { items } = await this.o.catalog.getEntities(
      { filter, fields: ['kind', 'metadata.name', 'metadata.namespace', 'metadata.annotations', 'spec.owner', 'relations'] },
      { credentials },
    );
    this.setEntities(items);
  }

  /** The Grafana dashboard override of the first of `entityRefs` that has one. */
  dashboardOf(entityRefs: string[]): string | undefined {
    for (const ref of entityRefs) {
      const m = this.matchers.find(x => x.entityRef === ref);
      if (m?.grafanaDashboard) return m.grafanaDashboard;
    }
    return undefined;
  }

  /** Entities (refs and their owners) whose selectors match the target. */
  match(target: TargetLabels): { entityRefs: string[]; owners: string[] } {
    const found = new Set<EntityMatcher>();
    for (const labels of target.labelSets) {
      const id = labels?.[KUBERNETES_ID_LABEL];
      for (const m of (id && this.byId.get(id)) || []) {
        if (!m.namespace || m.namespace === target.namespace) found.add(m);
      }
    }
    for (const m of this.matchers) if (!found.has(m) && targetMatches(m, target)) found.add(m);
    const owners = new Set<string>();
    for (const m of found) m.owners.forEach(o => owners.add(o));
    return { entityRefs: [...found].map(m => m.entityRef).sort(), owners: [...owners].sort() };
  }
}
