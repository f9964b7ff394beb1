import { renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { buildCanary, failedCanary, gatedCanarySpec } from '../../__fixtures__';
import { AnalysisPanel } from './AnalysisPanel';

describe('AnalysisPanel', () => {
  it('does not list a closed approval gate as a failed check', async () => {
    const waiting = buildCanary({
      ref: { cluster: 'prod', namespace: 'test', name: 'podinfo' },
      spec: gatedCanarySpec,
      phase: 'Waiting',
      currentStep: 0,
      primaryImages: ['podinfo:6.7.0'],
      canaryImages: ['podinfo:6.7.1'],
      lastTransitionTime: '2025-06-02T08:40:00Z',
      checks: [
        { time: '2025-06-02T08:40:00Z', kind: 'webhook', name: 'release-gate', passed: false, message: 'Forbidden' },
      ],
    });
    expect(waiting.webhooks.map(w => w.type)).toContain('confirm-rollout');
    await renderInTestApp(<AnalysisPanel canary={waiting} />);
    expect(screen.queryByRole('list', { name: 'failed checks' })).not.toBeInTheDocument();
  });

  it('lists failing metric checks with their reason', async () => {
    await renderInTestApp(<AnalysisPanel canary={failedCanary} />);
    expect(screen.getByRole('list', { name: 'failed checks' })).toBeInTheDocument();
  });
});
