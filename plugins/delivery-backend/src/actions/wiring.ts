import {
  AuditorService,
  DatabaseService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { CanaryRef } from '@delivery/plugin-delivery-common';
import express from 'express';
import { DeliveryConfig } from '../config';
import type { FleetChange } from '../fleet/aggregator';
import { DatabaseGateStore } from '../gates/DatabaseGateStore';
import { createFlaggerGateRouter } from '../gates/flaggerGateRouter';
import { GATES_PATH, StoreGateResolver } from '../gates/resolver';
import { HistoryRecorder } from '../history/store';
import { KubeHttpClient } from '../kube/clusters';
import { ObjectWriter } from '../kube/types';
import { KubeObjectWriter } from '../kube/writer';
import { CanaryActionsView, createActionsRouter } from '../service/actionsRouter';
import { GateResolver } from '../webhooks/gates';
import { ActionHistory } from './actionHistory';
import { ActionService } from './ActionService';
import { ActionFleet, ActionGuard } from './guard';
import { TransitionNotifier } from './notifications';

export interface ActionsFeatureOptions {
  config: DeliveryConfig;
  database: DatabaseService;
  scheduler: SchedulerService;
  logger: LoggerService;
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  permissions: PermissionsService;
  catalog: Pick<CatalogService, 'getEntityByRef'>;
  notifications: NotificationService;
  fleet: ActionFleet;
  history: HistoryRecorder;
  /** Announces a change to open Delivery tabs (the signal publisher). */
  changed(ref: CanaryRef): void;
  /** Writers per cluster; default one KubeObjectWriter per configured cluster. */
  writers?: Map<string, ObjectWriter>;
}

export interface ActionsFeature {
  /** The GateResolver our reconciler uses for one cluster. */
  gateResolver(cluster: string): GateResolver;
  actionsView: CanaryActionsView;
  /** Feed fleet changes: owners are notified of waiting / failed / promoted transitions. */
  onFleetChange(change: FleetChange): void;
  /** The action routes (user-authenticated) and the Flagger gate webhook (shared-secret authenticated). */
  routers: { actions: express.Router; flaggerGates: express.Router };
  /** The unauthenticated path prefix of the Flagger gate webhook, for `httpRouter.addAuthPolicy`. */
  unauthenticatedPath: string;
}

/**
 * Builds gates and actions from config and services, so plugin.ts only mounts what this returns. Gates are kept as
 * long as the run history (`delivery.history.retentionDays`).
 */
export async function createActionsFeature(o: ActionsFeatureOptions): Promise<ActionsFeature> {
  const gates = await DatabaseGateStore.create({ database: o.database });
  const writers =
    o.writers ??
    new Map<string, ObjectWriter>(
      o.config.clusters.map(c => [c.name, new KubeObjectWriter({ transport: new KubeHttpClient({ cluster: c }) })]),
    );
  const { reconciler } = o.config;
  const controller = (cluster: string) =>
    reconciler.enabled && reconciler.clusters.includes(cluster) ? ('delivery' as const) : ('flagger' as const);
  const service = new ActionService({
    gates,
    writer: cluster => writers.get(cluster),
    controller,
    history: o.history,
    logger: o.logger,
    defaultRequiredApprovals: o.config.gates.requiredApprovals,
    changed: o.changed,
  });
  const guard = new ActionGuard({
    fleet: o.fleet,
    permissions: o.permissions,
    catalog: o.catalog,
    history: new ActionHistory({ history: o.history, logger: o.logger }),
  });
  const notifier = new TransitionNotifier({ notifications: o.notifications, logger: o.logger });

  await o.scheduler.scheduleTask({
    id: 'delivery-gate-retention',
    scope: 'global',
    frequency: { hours: 6 },
    timeout: { minutes: 5 },
    fn: async () => {
      const cutoff = new Date(Date.now() - o.config.retentionDays * 86_400_000).toISOString();
      const n = await gates.deleteOlderThan(cutoff);
      if (n) o.logger.info(`deleted ${n} gate(s) older than ${o.config.retentionDays} days`);
    },
  });

  return {
    gateResolver: cluster => new StoreGateResolver({ store: gates, cluster }),
    actionsView: new CanaryActionsView({ permissions: o.permissions, fleet: o.fleet, service }),
    onFleetChange: change => void notifier.observe(change),
    routers: {
      actions: createActionsRouter({ httpAuth: o.httpAuth, auditor: o.auditor, guard, service }),
      flaggerGates: createFlaggerGateRouter({
        store: gates,
        clusterSecrets: o.config.gates.clusterSecrets,
        canary: ref => o.fleet.canary(ref),
        logger: o.logger,
      }),
    },
    unauthenticatedPath: GATES_PATH,
  };
}
