export { CanaryCard } from './CanaryCard';
export type { CanaryCardProps } from './CanaryCard';
