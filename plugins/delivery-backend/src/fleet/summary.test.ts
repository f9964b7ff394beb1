import { CanarySummary } from '@delivery/plugin-delivery-common';
import { controllerMessage, imagesOf, KubeEvent, sameSummary } from './summary';

const warning = (lastTimestamp: string, message = 'Halt advancement podinfo.test: no values found'): KubeEvent => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `e-${lastTimestamp}` },
  type: 'Warning',
  message,
  lastTimestamp,
});
const promoted = (lastUpdateTime: string) => ({ message: 'New revision detected, progressing canary analysis.', lastUpdateTime });

describe('controllerMessage', () => {
  it('prefers the status message when the warning falls in the same second', () => {
    // Micro-precision eventTime sorts after the second-precision condition time as a string, but is the same second.
    const e: KubeEvent = { ...warning('2026-01-01T10:00:00Z'), lastTimestamp: undefined, eventTime: '2026-01-01T10:00:00.734512Z' };
    expect(controllerMessage(promoted('2026-01-01T10:00:00Z'), [e])).toBe('New revision detected, progressing canary analysis.');
  });

  it('shows a warning from a later second', () => {
    expect(controllerMessage(promoted('2026-01-01T10:00:00Z'), [warning('2026-01-01T10:00:01Z')])).toBe(
      'Halt advancement podinfo.test: no values found',
    );
  });

  it('compares instants, not strings, across time zone offsets', () => {
    // 11:00+02:00 is 09:00Z: older than the condition although its string sorts later.
    expect(controllerMessage(promoted('2026-01-01T10:00:00Z'), [warning('2026-01-01T11:00:00+02:00')])).toBe(
      'New revision detected, progressing canary analysis.',
    );
  });

  it('takes the newest event by time, whatever the string order', () => {
    const older = { ...warning('2026-01-01T10:00:05+00:00', 'old'), type: 'Warning' };
    const newer: KubeEvent = { ...warning('2026-01-01T09:00:10-01:00', 'new'), type: 'Normal' };
    // The newest event is Normal, so the condition stands.
    expect(controllerMessage(promoted('2026-01-01T10:00:00Z'), [older, newer])).toBe(
      'New revision detected, progressing canary analysis.',
    );
  });

  it('falls back to the warning without a status message or time', () => {
    expect(controllerMessage(undefined, [warning('2026-01-01T10:00:00Z')])).toBe('Halt advancement podinfo.test: no values found');
    expect(controllerMessage({ message: 'x' }, [warning('2026-01-01T10:00:00Z')])).toBe(
      'Halt advancement podinfo.test: no values found',
    );
  });
});

describe('sameSummary', () => {
  const row = {
    cluster: 'c',
    namespace: 'shop',
    name: 'podinfo',
    phase: 'Progressing',
    canaryWeight: 20,
    primaryImages: ['a:1'],
    canaryImages: ['a:2'],
    message: undefined,
  } as unknown as CanarySummary;

  it('equals a copy, whatever the key order, and treats a missing field as undefined', () => {
    const { message: _m, ...withoutMessage } = row;
    expect(sameSummary(row, { ...row })).toBe(true);
    expect(sameSummary(row, withoutMessage as CanarySummary)).toBe(true);
    expect(sameSummary(withoutMessage as CanarySummary, row)).toBe(true);
  });

  it.each([
    ['a scalar', { canaryWeight: 30 }],
    ['an array element', { canaryImages: ['a:3'] }],
    ['an array length', { primaryImages: ['a:1', 'b:1'] }],
    ['a field set only on one side', { message: 'Halt' }],
  ])('differs on %s', (_what, change) => {
    expect(sameSummary(row, { ...row, ...change } as CanarySummary)).toBe(false);
    expect(sameSummary({ ...row, ...change } as CanarySummary, row)).toBe(false);
  });
});

describe('imagesOf', () => {
  const workload = (containers: Array<{ name: string; image?: string }>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'podinfo' },
    spec: { template: { spec: { containers } } },
  });

  it('lists the images of the pod template in container order', () => {
    expect(imagesOf(workload([{ name: 'app', image: 'podinfo:6.1' }, { name: 'proxy', image: 'envoy:1.30' }]))).toEqual(['podinfo:6.1', 'envoy:1.30']);
  });

  it('leaves out containers without an image, and a missing workload has none', () => {
    expect(imagesOf(workload([{ name: 'app' }, { name: 'proxy', image: 'envoy:1.30' }]))).toEqual(['envoy:1.30']);
    expect(imagesOf(undefined)).toEqual([]);
  });
});
