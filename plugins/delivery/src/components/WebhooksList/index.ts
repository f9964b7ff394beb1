export { WebhooksList } from './WebhooksList';
