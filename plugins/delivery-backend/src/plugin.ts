import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { deliveryPermissions, parseCanaryKey } from '@delivery/plugin-delivery-common';
import { createActionsFeature } from './actions/wiring';
import { readDeliveryConfig } from './config';
import { createFleet } from './fleet/aggregator';
import { CanaryDetailsService } from './fleet/details';
import { CatalogEntityIndex } from './fleet/entityIndex';
import { CanarySignalPublisher } from './fleet/signals';
import { TrafficObserver } from './fleet/trafficSplit';
import { DatabaseHistoryStore } from './history/DatabaseHistoryStore';
import { EventHistoryWriter, saveFleetSnapshot } from './history/fleetPersistence';
import { scheduleHistoryRetention } from './history/retention';
import { RunTracker } from './history/runTracker';
import { StoreHistoryRecorder } from './history/store';
import { createClusterReconciler } from './reconciler/reconciler';
import { canaryPermissionResourceRef, canaryPermissionRules } from './permissions/rules';
import { createRouter } from './service/router';
import { CanaryMetrics } from './metrics/canaryMetrics';
import { METRICS_PATH, createMetricsRouter } from './metrics/metricsRouter';
import { MetricsHistoryRecorder } from './metrics/recordingHistory';

/**
 * The Delivery backend plugin: wiring only. Services are built from config and core services here and handed to
 * the router; long-lived work is started and stopped on lifecycle hooks.
 */
export const deliveryPlugin = createBackendPlugin({
  pluginId: 'delivery',
  register(env) {
    env.registerInit({
      deps: {
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        database: coreServices.database,
        lifecycle: coreServices.lifecycle,
        scheduler: coreServices.scheduler,
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
        auditor: coreServices.auditor,
        notifications: notificationService,
      },
      async init(deps) {
        const { logger, config, httpRouter, httpAuth, auth, permissions, permissionsRegistry } = deps;
        const { database, lifecycle, scheduler, catalog, signals } = deps;
        const deliveryConfig = readDeliveryConfig(config);
        logger.info(
          `Delivery: ${deliveryConfig.clusters.length} cluster(s) from ${deliveryConfig.clusterSource}`,
        );

        permissionsRegistry.addPermissions(deliveryPermissions);

        const store = await DatabaseHistoryStore.create({ database });
        const snapshot = await store.loadSnapshot();
        const entityIndex = new CatalogEntityIndex({ catalog, auth, logger });
        const { reconciler } = deliveryConfig;
        const { fleet, caches } = createFleet({
          clusters: deliveryConfig.clusters,
          reconciledClusters: reconciler.enabled ? reconciler.clusters : [],
          logger,
          entities: entityIndex,
          snapshot: snapshot.savedAt
            ? { summaries: snapshot.summaries, savedAt: Date.parse(snapshot.savedAt) }
            : undefined,
        });
        permissionsRegistry.addResourceType({
          resourceRef: canaryPermissionResourceRef,
          permissions: deliveryPermissions,
          rules: Object.values(canaryPermissionRules),
          // Lets the permission backend apply conditional decisions to a canary named by `<cluster>/<ns>/<name>`,
          // as the Delivery tab's usePermission checks do.
          getResources: async refs =>
            refs.map(key => {
              const ref = parseCanaryKey(key);
              return ref && fleet.summary(ref) ? { ...ref, owners: fleet.owners(ref) } : undefined;
            }),
        });
        const tracker = new RunTracker({ store, logger, readerFor: cluster => fleet.reader(cluster) });
        // Flagger-compatible series for every watched cluster (ours and upstream Flagger's), from the fleet.
        const metrics = new CanaryMetrics({ meshProvider: reconciler.meshProvider });
        fleet.onChange(change => metrics.observe(change));
        fleet.onEvent((cluster, event) => metrics.observeEvent(cluster, event));
        const publisher = new CanarySignalPublisher({ signals, logger });
        const actions = await createActionsFeature({
          config: deliveryConfig,
          database,
          scheduler,
          logger,
          httpAuth,
          auditor: deps.auditor,
          permissions,
          catalog,
          notifications: deps.notifications,
          fleet,
          history: new StoreHistoryRecorder(store),
          changed: ref => publisher.changed(ref),
        });
        // One reconciler per reconciled cluster, on the fleet's caches (one watch per kind serves both).
        const reconcilers = reconciler.enabled
          ? deliveryConfig.clusters
              .filter(c => reconciler.clusters.includes(c.name))
              .map(cluster =>
                createClusterReconciler({
                  cluster,
                  cache: caches.get(cluster.name)!,
                  logger,
                  config: reconciler,
                  identity: `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
                  history: new MetricsHistoryRecorder(new StoreHistoryRecorder(store), metrics),
                  gates: actions.gateResolver(cluster.name),
                }),
              )
          : [];
        const eventWriter = new EventHistoryWriter(store, logger);
        fleet.onChange(change => {
          publisher.changed(change.ref);
          void tracker.observe(change.ref, change.canary, change.summary);
          actions.onFleetChange(change);
        });
        fleet.onEvent((cluster, event) => eventWriter.add(cluster, event));

        const details = new CanaryDetailsService({
          fleet,
          history: store,
          traffic: new TrafficObserver({
            metricsServer: reconciler.metricsServer,
            defaultProvider: reconciler.meshProvider,
          }),
          grafana: deliveryConfig.grafana,
          defaultProvider: reconciler.meshProvider,
          dashboardUrl: name => deliveryConfig.clusters.find(c => c.name === name)?.dashboardUrl,
          entityDashboard: refs => entityIndex.dashboardOf(refs),
        });

        await scheduleHistoryRetention({ scheduler, store, retentionDays: deliveryConfig.retentionDays, logger });
        await scheduler.scheduleTask({
          id: 'delivery-fleet-persist',
          scope: 'local',
          frequency: { seconds: 30 },
          timeout: { seconds: 25 },
          fn: async () => {
            await eventWriter.flush();
            await saveFleetSnapshot(store, fleet);
          },
        });
        await scheduler.scheduleTask({
          id: 'delivery-entity-index',
          scope: 'local',
          // A projected, annotation-filtered catalog query is cheap; refreshing often means owners (and so the
          // Approve button) appear within seconds of the catalog ingesting an entity, including at startup.
          frequency: { seconds: 30 },
          timeout: { minutes: 2 },
          fn: async signal => {
            await entityIndex.refresh(signal);
            await fleet.refreshEntities();
          },
        });

        lifecycle.addStartupHook(async () => {
          await tracker.init();
          fleet.start();
          reconcilers.forEach(r => r.start());
        });
        lifecycle.addShutdownHook(async () => {
          publisher.stop();
          await Promise.all(reconcilers.map(r => r.stop()));
          await eventWriter.flush();
          await saveFleetSnapshot(store, fleet).catch(e =>
            logger.warn(`fleet snapshot not saved on shutdown: ${(e as Error).message}`),
          );
          await fleet.stop();
        });

        httpRouter.use(
          await createRouter({
            logger,
            httpAuth,
            health: fleet,
            permissions,
            catalog,
            fleet,
            details,
            actions: actions.actionsView,
          }),
        );
        httpRouter.use(actions.routers.actions);
        httpRouter.use(actions.routers.flaggerGates);
        httpRouter.use(createMetricsRouter(metrics));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        // Prometheus scrapes without a Backstage token, like Flagger's own :8080/metrics.
        httpRouter.addAuthPolicy({ path: METRICS_PATH, allow: 'unauthenticated' });
        // Upstream Flagger authenticates with the per-cluster secret in the URL, not a Backstage token.
        httpRouter.addAuthPolicy({ path: actions.unauthenticatedPath, allow: 'unauthenticated' });
      },
    });
  },
});
