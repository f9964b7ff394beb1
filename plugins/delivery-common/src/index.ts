/**
 * Isomorphic pieces shared by the Delivery frontend and backend: annotations, permissions, CRD types,
 * view models and the planned-steps maths.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './permissions';
export * from './steps';
export * from './types/canary';
export * from './types/views';
