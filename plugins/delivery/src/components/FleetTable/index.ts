export { FleetTable } from './FleetTable';
export type { FleetTableProps } from './FleetTable';
