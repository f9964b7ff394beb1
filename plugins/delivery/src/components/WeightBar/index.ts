export { WeightBar } from './WeightBar';
