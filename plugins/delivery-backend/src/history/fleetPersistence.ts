import { LoggerService } from '@backstage/backend-plugin-api';
import { CanaryRef, CanarySummary, ClusterHealth, canaryKey } from '@delivery/plugin-delivery-common';
import { KubeEvent, eventTime, toCanaryEvent } from '../fleet/summary';
import { HistoryStore } from './store';

/**
 * Batches canary Events into the history store (deduplicated there), so a burst of watch events costs one write
 * per canary per flush instead of one per event.
 */
export class EventHistoryWriter {
  private pending = new Map<string, { ref: CanaryRef; events: Map<string, KubeEvent> }>();

  constructor(private readonly store: HistoryStore, private readonly logger: LoggerService) {}

  add(cluster: string, e: KubeEvent): void {
    const inv = e.involvedObject;
    if (!inv?.name) return;
    const ref = { cluster, namespace: inv.namespace ?? e.metadata.namespace ?? '', name: inv.name };
    const key = canaryKey(ref);
    let entry = this.pending.get(key);
    if (!entry) this.pending.set(key, (entry = { ref, events: new Map() }));
    entry.events.set(e.metadata.name, e);
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const { ref, events } of batch.values()) {
      const rows = [...events.values()].map(e => ({
        ...toCanaryEvent(e),
        firstTime: e.firstTimestamp ?? e.eventTime ?? eventTime(e),
      }));
      try {
        await this.store.upsertEvents(ref, rows);
      } catch (err) {
        this.logger.warn(`events of ${canaryKey(ref)} not stored: ${(err as Error).message}`);
      }
    }
  }
}

/**
 * Saves the fleet's rows for warm start. Only clusters that are in sync are written, so a cluster that is down keeps
 * its last good snapshot instead of being overwritten with nothing.
 */
export async function saveFleetSnapshot(
  store: HistoryStore,
  fleet: { clusterHealth(): ClusterHealth[]; summaries(): Iterable<CanarySummary> },
  now: () => Date = () => new Date(),
): Promise<void> {
  const health = fleet.clusterHealth();
  const synced = new Set(health.filter(h => h.state === 'synced').map(h => h.name));
  if (!synced.size) return;
  const rows = [...fleet.summaries()].filter(s => synced.has(s.cluster));
  await store.saveSnapshot([...synced], rows, health.filter(h => synced.has(h.name)), now().toISOString());
}
