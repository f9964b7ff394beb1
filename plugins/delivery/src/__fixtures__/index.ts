export * from './canaries';
export * from './entities';
export * from './specs';
export { buildCanary, metricChecks } from './build';
export { FixtureDeliveryApi } from './FixtureDeliveryApi';
