export { AnalysisPanel } from './AnalysisPanel';
