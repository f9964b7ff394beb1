export { PhaseCounts } from './PhaseCounts';
