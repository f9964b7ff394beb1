export { deliveryApiRef } from './DeliveryApi';
export type { DeliveryApi, CanaryActionRequest, RequestOptions } from './DeliveryApi';
export { DeliveryClient } from './DeliveryClient';
export type { DeliveryClientOptions } from './DeliveryClient';
