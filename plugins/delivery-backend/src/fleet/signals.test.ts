import { mockServices } from '@backstage/backend-test-utils';
import { CanarySignalPublisher } from './signals';

describe('CanarySignalPublisher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends the first change at once and collapses a burst into one trailing message per canary', () => {
    const publish = jest.fn().mockResolvedValue(undefined);
    let now = 0;
    const p = new CanarySignalPublisher({ signals: { publish }, logger: mockServices.logger.mock(), now: () => now });
    const a = { cluster: 'dev', namespace: 'ns', name: 'a' };
    const b = { cluster: 'dev', namespace: 'ns', name: 'b' };
    p.changed(a);
    p.changed(b);
    for (let i = 0; i < 10; i++) p.changed(a);
    expect(publish).toHaveBeenCalledTimes(2);
    now = 1000;
    jest.advanceTimersByTime(1000);
    expect(publish).toHaveBeenCalledTimes(3);
    expect(publish).toHaveBeenLastCalledWith({
      recipients: { type: 'broadcast' },
      channel: 'delivery:canary',
      message: { cluster: 'dev', namespace: 'ns', name: 'a' },
    });
    p.stop();
  });
});
