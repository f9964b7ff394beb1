import { compatWrapper, convertLegacyRouteRef } from '@backstage/core-compat-api';
import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isDeliveryAvailable } from '@delivery/plugin-delivery-common';
import TrendingUpIcon from '@material-ui/icons/TrendingUp';
import { deliveryApiRef, DeliveryClient } from './api';
import { entityContentRouteRef, rootRouteRef } from './routes';

/** The Delivery API client for apps on the new frontend system. */
export const deliveryApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: deliveryApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) => new DeliveryClient({ discoveryApi, fetchApi }),
    }),
});

/** The Delivery tab, in the entity page's `deployment` group, shown only for entities with our annotations. */
export const deliveryEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'delivery',
    title: 'Delivery',
    group: 'deployment',
    routeRef: convertLegacyRouteRef(entityContentRouteRef),
    filter: isDeliveryAvailable,
    loader: () =>
      import('./components/EntityDeliveryContent').then(m =>
        compatWrapper(<m.EntityDeliveryContent />),
      ),
  },
});

/** The fleet page, with its sidebar entry. */
export const deliveryPage = PageBlueprint.make({
  params: {
    path: '/delivery',
    title: 'Delivery',
    icon: <TrendingUpIcon />,
    routeRef: convertLegacyRouteRef(rootRouteRef),
    loader: () =>
      import('./components/DeliveryPage').then(m => compatWrapper(<m.DeliveryPage />)),
  },
});

/** The Delivery plugin for the new frontend system. */
export default createFrontendPlugin({
  pluginId: 'delivery',
  title: 'Delivery',
  icon: <TrendingUpIcon />,
  extensions: [deliveryApi, deliveryEntityContent, deliveryPage],
  routes: {
    root: convertLegacyRouteRef(rootRouteRef),
    entityContent: convertLegacyRouteRef(entityContentRouteRef),
  },
});
