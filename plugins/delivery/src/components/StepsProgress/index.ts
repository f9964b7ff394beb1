export { StepsProgress, failedChecksOf } from './StepsProgress';
