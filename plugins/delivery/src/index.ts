/**
 * Delivery frontend plugin: the Delivery tab on catalog entities and the fleet page.
 * Legacy frontend system exports here; the new frontend system plugin is the default export of `./alpha`.
 *
 * @packageDocumentation
 */
export { deliveryPlugin, EntityDeliveryContent, DeliveryPage } from './plugin';
export { isDeliveryAvailable } from '@delivery/plugin-delivery-common';
export { deliveryApiRef, DeliveryClient } from './api';
export type { DeliveryApi } from './api';
