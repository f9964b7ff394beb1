export { CanaryDetailsPanel } from './CanaryDetailsPanel';
export type { CanaryDetailsPanelProps } from './CanaryDetailsPanel';
