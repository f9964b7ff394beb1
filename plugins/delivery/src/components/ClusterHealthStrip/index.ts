export { ClusterHealthStrip } from './ClusterHealthStrip';
