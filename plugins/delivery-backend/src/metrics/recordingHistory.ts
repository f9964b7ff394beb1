import type {
  AnalysisCheck,
  CanaryRef,
} from '@delivery/plugin-delivery-common';
import type { ActorRecord, HistoryRecorder } from '../history/store';
import type { CanaryMetrics } from './canaryMetrics';

/** A HistoryRecorder that also publishes each metric check's value as `flagger_canary_metric_analysis`. */
export class MetricsHistoryRecorder implements HistoryRecorder {
  constructor(
    private readonly inner: HistoryRecorder,
    private readonly metrics: CanaryMetrics,
  ) {}

  recordCheck(ref: CanaryRef, check: AnalysisCheck): Promise<void> {
    this.metrics.recordCheck(ref, check);
    return this.inner.recordCheck(ref, check);
  }

  recordAction(ref: CanaryRef, action: ActorRecord): Promise<void> {
    return this.inner.recordAction(ref, action);
  }
}
