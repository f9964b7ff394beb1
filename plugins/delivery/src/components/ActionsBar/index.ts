export { ActionsBar } from './ActionsBar';
export type { ActionsBarProps } from './ActionsBar';
