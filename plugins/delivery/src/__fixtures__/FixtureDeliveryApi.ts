import { NotFoundError } from '@backstage/errors';
import {
  CanaryDetails,
  CanaryRef,
  ClusterHealth,
  EntityCanaries,
  FleetPage,
  FleetQuery,
  canaryKey,
} from '@delivery/plugin-delivery-common';
import { CanaryActionRequest, DeliveryApi } from '../api';
import { summaryOf } from './entities';

/**
 * An in-memory DeliveryApi over fixture canaries, for component tests and the demo. `update` changes a canary the
 * way the backend would between two requests, so refresh behaviour can be exercised.
 */
export class FixtureDeliveryApi implements DeliveryApi {
  private readonly canaries = new Map<string, CanaryDetails>();
  private entity: Omit<EntityCanaries, 'items'>;
  private clusters: ClusterHealth[];
  /** Every action performed, in order, for assertions and the demo's log. */
  readonly performed: Array<{ ref: CanaryRef; request: CanaryActionRequest }> = [];

  constructor(options: { canaries: CanaryDetails[]; entity: Omit<EntityCanaries, 'items'> }) {
    options.canaries.forEach(c => this.canaries.set(canaryKey(c), c));
    this.entity = options.entity;
    this.clusters = options.entity.clusters;
  }

  update(ref: CanaryRef, patch: Partial<CanaryDetails>): void {
    const current = this.canaries.get(canaryKey(ref));
    if (!current) throw new Error(`no fixture canary ${canaryKey(ref)}`);
    this.canaries.set(canaryKey(ref), { ...current, ...patch });
  }

  /** Replaces one cluster's health, as the aggregator would when a cluster goes away or comes back. */
  setClusterHealth(health: ClusterHealth): void {
    const replace = (list: ClusterHealth[]) => list.map(c => (c.name === health.name ? health : c));
    this.clusters = replace(this.clusters);
    this.entity = { ...this.entity, clusters: replace(this.entity.clusters) };
  }

  async getEntityCanaries(_entityRef: string): Promise<EntityCanaries> {
    return { ...this.entity, items: [...this.canaries.values()].map(summaryOf) };
  }

  async getCanary(ref: CanaryRef): Promise<CanaryDetails> {
    const found = this.canaries.get(canaryKey(ref));
    if (!found) throw new NotFoundError(`canary ${canaryKey(ref)} not found`);
    return found;
  }

  async getFleet(query: FleetQuery): Promise<FleetPage> {
    const search = query.search?.toLowerCase();
    const all = [...this.canaries.values()].map(summaryOf).filter(
      c =>
        (!query.cluster?.length || query.cluster.includes(c.cluster)) &&
        (!query.namespace?.length || query.namespace.includes(c.namespace)) &&
        (!query.needsAttention || c.needsAttention) &&
        (!search || canaryKey(c).toLowerCase().includes(search)),
    );
    const phaseCounts: Record<string, number> = {};
    all.forEach(c => (phaseCounts[c.phase] = (phaseCounts[c.phase] ?? 0) + 1));
    const matching = all.filter(c => !query.phase?.length || query.phase.includes(c.phase));
    const field = query.sort ?? 'name';
    const value = (c: (typeof matching)[number]) => (field === 'updated' ? c.updatedAt : c[field]);
    matching.sort((a, b) => value(a).localeCompare(value(b)) * (query.order === 'desc' ? -1 : 1));
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 25;
    return {
      items: matching.slice(offset, offset + limit),
      total: matching.length,
      offset,
      limit,
      phaseCounts,
      clusters: this.clusters,
    };
  }

  async performAction(ref: CanaryRef, request: CanaryActionRequest): Promise<void> {
    await this.getCanary(ref);
    this.performed.push({ ref, request });
  }

  async getClusters(): Promise<ClusterHealth[]> {
    return this.clusters;
  }
}
