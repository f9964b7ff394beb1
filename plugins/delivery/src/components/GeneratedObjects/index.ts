export { GeneratedObjects } from './GeneratedObjects';
