import { configApiRef } from '@backstage/core-plugin-api';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { TestApiProvider, mockApis } from '@backstage/test-utils';
import { act, renderHook } from '@testing-library/react';
import { ReactNode } from 'react';
import { ManualSignalApi } from '../__testUtils__';
import { parseCanarySignal, useLiveRefresh } from './useLiveRefresh';

function wrapper(config: object, signals?: ManualSignalApi) {
  const apis: Parameters<typeof TestApiProvider>[0]['apis'] = signals
    ? [
        [configApiRef, mockApis.config({ data: config })],
        [signalApiRef, signals],
      ]
    : [[configApiRef, mockApis.config({ data: config })]];
  return ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={apis}>{children}</TestApiProvider>
  );
}

describe('parseCanarySignal', () => {
  it.each([
    [
      { cluster: 'a', namespace: 'b', name: 'c' },
      { cluster: 'a', namespace: 'b', name: 'c' },
    ],
    [{ cluster: 'a', namespace: 'b' }, undefined],
    [{ cluster: 'a', namespace: 'b', name: 3 }, undefined],
    [{ cluster: '', namespace: 'b', name: 'c' }, undefined],
    [null, undefined],
  ])('%j → %j', (message, expected) =>
    expect(parseCanarySignal(message)).toEqual(expected),
  );
});

describe('useLiveRefresh', () => {
  afterEach(() => jest.useRealTimers());

  it('polls at the configured interval when the app has no signals API', () => {
    jest.useFakeTimers();
    const onPoll = jest.fn();
    const { result } = renderHook(
      () => useLiveRefresh({ onPoll, onCanaryChanged: jest.fn() }),
      {
        wrapper: wrapper({ delivery: { pollIntervalSeconds: 5 } }),
      },
    );
    expect(result.current).toEqual({
      mode: 'polling',
      pollIntervalSeconds: 5,
      resyncIntervalSeconds: 20,
    });
    act(() => jest.advanceTimersByTime(4_999));
    expect(onPoll).not.toHaveBeenCalled();
    act(() => jest.advanceTimersByTime(1));
    expect(onPoll).toHaveBeenCalledTimes(1);
  });

  it('defaults to 15 seconds and never polls faster than once a second', () => {
    const defaults = renderHook(
      () => useLiveRefresh({ onPoll: jest.fn(), onCanaryChanged: jest.fn() }),
      {
        wrapper: wrapper({}),
      },
    );
    expect(defaults.result.current.pollIntervalSeconds).toBe(15);
    const tiny = renderHook(
      () => useLiveRefresh({ onPoll: jest.fn(), onCanaryChanged: jest.fn() }),
      {
        wrapper: wrapper({ delivery: { pollIntervalSeconds: 0 } }),
      },
    );
    expect(tiny.result.current.pollIntervalSeconds).toBe(1);
  });

  it('uses signals instead of polling when they are available, and unsubscribes on unmount', () => {
    jest.useFakeTimers();
    const signals = new ManualSignalApi();
    const onPoll = jest.fn();
    const onResync = jest.fn();
    const onCanaryChanged = jest.fn();
    const { result, unmount } = renderHook(
      () => useLiveRefresh({ onPoll, onResync, onCanaryChanged }),
      {
        wrapper: wrapper({}, signals),
      },
    );
    expect(result.current.mode).toBe('signals');
    act(() => jest.advanceTimersByTime(59_999));
    expect(onResync).not.toHaveBeenCalled();
    // What no signal announces (cluster health) is resynced at four poll intervals.
    act(() => jest.advanceTimersByTime(1));
    expect(onResync).toHaveBeenCalledTimes(1);
    expect(onPoll).not.toHaveBeenCalled();
    act(() =>
      signals.publish('delivery:canary', {
        cluster: 'a',
        namespace: 'b',
        name: 'c',
      }),
    );
    expect(onCanaryChanged).toHaveBeenCalledWith({
      cluster: 'a',
      namespace: 'b',
      name: 'c',
    });
    unmount();
    expect(signals.subscriberCount('delivery:canary')).toBe(0);
    act(() => jest.advanceTimersByTime(60_000));
    expect(onResync).toHaveBeenCalledTimes(1);
  });

  it('hands over every signal of a batch, not only the last one', () => {
    const signals = new ManualSignalApi();
    const onCanaryChanged = jest.fn();
    renderHook(() => useLiveRefresh({ onPoll: jest.fn(), onCanaryChanged }), {
      wrapper: wrapper({}, signals),
    });
    // One reconciler tick often moves several canaries; React batches the updates of one act().
    act(() => {
      signals.publish('delivery:canary', {
        cluster: 'a',
        namespace: 'b',
        name: 'one',
      });
      signals.publish('delivery:canary', {
        cluster: 'a',
        namespace: 'b',
        name: 'two',
      });
      signals.publish('delivery:canary', { cluster: 'a', namespace: 'b' });
    });
    expect(onCanaryChanged.mock.calls.map(([ref]) => ref.name)).toEqual([
      'one',
      'two',
    ]);
  });
});
