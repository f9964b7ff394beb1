export { NoCanariesFound, DeliveryNotInstalled, DEFAULT_INSTALL_GUIDE_URL } from './EmptyStates';
