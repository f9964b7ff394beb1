import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { deliveryPermissions } from '@delivery/plugin-delivery-common';
import { readDeliveryConfig } from './config';
import { canaryPermissionResourceRef, canaryPermissionRules } from './permissions/rules';
import { createRouter } from './service/router';

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
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({ logger, config, httpRouter, httpAuth, permissionsRegistry }) {
        const deliveryConfig = readDeliveryConfig(config);
        logger.info(
          `Delivery: ${deliveryConfig.clusters.length} cluster(s) from ${deliveryConfig.clusterSource}`,
        );

        permissionsRegistry.addPermissions(deliveryPermissions);
        permissionsRegistry.addResourceType({
          resourceRef: canaryPermissionResourceRef,
          permissions: deliveryPermissions,
          rules: Object.values(canaryPermissionRules),
        });

        const health = {
          clusterHealth: () =>
            deliveryConfig.clusters.map(c => ({
              name: c.name,
              state: 'pending' as const,
              controller: deliveryConfig.reconciler.enabled &&
                deliveryConfig.reconciler.clusters.includes(c.name)
                ? ('delivery' as const)
                : ('flagger' as const),
              dashboardUrl: c.dashboardUrl,
              canaryCount: 0,
            })),
        };

        httpRouter.use(await createRouter({ logger, httpAuth, health }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
