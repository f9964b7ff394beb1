export { startBackend } from './lib/backend';
export type { RunningBackend } from './lib/backend';
export { e2eEnabled, describeE2e } from './lib/gate';
