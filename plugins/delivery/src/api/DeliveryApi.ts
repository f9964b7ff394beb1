import { createApiRef } from '@backstage/core-plugin-api';
import {
  CanaryDetails,
  CanaryRef,
  ClusterHealth,
  EntityCanaries,
  FleetPage,
  FleetQuery,
} from '@delivery/plugin-delivery-common';

/** Per-call options; `signal` cancels the request (a deadline applies either way). */
export interface RequestOptions {
  signal?: AbortSignal;
}

/** What the user asked for when pressing one of the buttons the backend offered in `CanaryDetails.actions`. */
export interface CanaryActionRequest {
  action: string;
  gate?: string;
  comment?: string;
}

/** Client of the Delivery backend. The UI reads only through this, never from clusters directly. */
export interface DeliveryApi {
  getEntityCanaries(entityRef: string, options?: RequestOptions): Promise<EntityCanaries>;
  getCanary(ref: CanaryRef, options?: RequestOptions): Promise<CanaryDetails>;
  getFleet(query: FleetQuery, options?: RequestOptions): Promise<FleetPage>;
  getClusters(options?: RequestOptions): Promise<ClusterHealth[]>;
  performAction(ref: CanaryRef, request: CanaryActionRequest, options?: RequestOptions): Promise<void>;
}

export const deliveryApiRef = createApiRef<DeliveryApi>({ id: 'plugin.delivery.service' });
