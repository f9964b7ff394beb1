export { RunsTable } from './RunsTable';
