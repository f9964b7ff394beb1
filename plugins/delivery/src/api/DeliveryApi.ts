import { createApiRef } from '@backstage/core-plugin-api';
import {
  CanaryDetails,
  CanaryRef,
  ClusterHealth,
  EntityCanaries,
  FleetPage,
  FleetQuery,
} from '@delivery/plugin-delivery-common';

/** Client of the Delivery backend. The UI reads only through this, never from clusters directly. */
export interface DeliveryApi {
  getEntityCanaries(entityRef: string): Promise<EntityCanaries>;
  getCanary(ref: CanaryRef): Promise<CanaryDetails>;
  getFleet(query: FleetQuery): Promise<FleetPage>;
  getClusters(): Promise<ClusterHealth[]>;
}

export const deliveryApiRef = createApiRef<DeliveryApi>({ id: 'plugin.delivery.service' });
