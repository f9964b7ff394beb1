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
  /** The state the user acted on; the backend answers 409 when the canary has moved on since. */
  observedPhase?: string;
  observedResourceVersion?: string;
  /** `status.lastAppliedSpec` seen: lets status progress of the same run through the 409 check. */
  observedRevision?: string;
  /** The entity page the action was taken from, when the canary belongs to several entities. */
  entityRef?: string;
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
