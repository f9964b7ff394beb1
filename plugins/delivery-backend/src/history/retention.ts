import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { HistoryStore } from './store';

/**
 * Deletes history older than `retentionDays` every few hours. Global scope: with several replicas on one
 * PostgreSQL database exactly one of them runs it per cycle.
 */
export async function scheduleHistoryRetention(options: {
  scheduler: SchedulerService;
  store: HistoryStore;
  retentionDays: number;
  logger: LoggerService;
  now?: () => number;
}): Promise<void> {
  const now = options.now ?? Date.now;
  await options.scheduler.scheduleTask({
    id: 'delivery-history-retention',
    scope: 'global',
    frequency: { hours: 6 },
    timeout: { minutes: 10 },
    initialDelay: { minutes: 5 },
    fn: async () => {
      const cutoff = new Date(now() - options.retentionDays * 86_400_000).toISOString();
      const deleted = await options.store.deleteOlderThan(cutoff);
      options.logger.info(
        `history retention: removed ${deleted.runs} runs, ${deleted.checks} checks, ${deleted.events} events older than ${cutoff}`,
      );
    },
  });
}
