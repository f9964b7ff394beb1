export * from './checks';
export * from './phase';
export * from './strategy';
export * from './time';
export * from './errors';
export * from './image';
export * from './controllerReports';
