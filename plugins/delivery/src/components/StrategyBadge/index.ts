export { StrategyBadge } from './StrategyBadge';
