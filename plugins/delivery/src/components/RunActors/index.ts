export { RunActors } from './RunActors';
export { actorText } from './actorText';
