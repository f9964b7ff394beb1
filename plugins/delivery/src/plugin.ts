import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { deliveryApiRef, DeliveryClient } from './api';
import { entityContentRouteRef, rootRouteRef } from './routes';

/** The Delivery frontend plugin for the legacy frontend system. */
export const deliveryPlugin = createPlugin({
  id: 'delivery',
  apis: [
    createApiFactory({
      api: deliveryApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) => new DeliveryClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef, entityContent: entityContentRouteRef },
});

/** The Delivery tab of an entity page: canaries of the entity, their progress, analysis and events. */
export const EntityDeliveryContent = deliveryPlugin.provide(
  createRoutableExtension({
    name: 'EntityDeliveryContent',
    component: () =>
      import('./components/EntityDeliveryContent').then(m => m.EntityDeliveryContent),
    mountPoint: entityContentRouteRef,
  }),
);

/** The fleet page: every rollout the user may see, filtered to what needs attention. */
export const DeliveryPage = deliveryPlugin.provide(
  createRoutableExtension({
    name: 'DeliveryPage',
    component: () => import('./components/DeliveryPage').then(m => m.DeliveryPage),
    mountPoint: rootRouteRef,
  }),
);
