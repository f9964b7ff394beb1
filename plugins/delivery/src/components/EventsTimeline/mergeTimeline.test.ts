import { CanaryEvent, RolloutRun } from '@delivery/plugin-delivery-common';
import { mergeTimeline } from './mergeTimeline';

const event = (time: string, message: string): CanaryEvent => ({
  time, type: 'Normal', reason: 'Synced', message, source: 'flagger',
});

const run: RolloutRun = {
  id: 'r1', cluster: 'c', namespace: 'test', name: 'podinfo', canaryImages: ['podinfo:6.7.1'], primaryImages: [],
  startedAt: '2025-06-02T08:56:00Z', endedAt: '2025-06-02T09:05:00Z', outcome: 'aborted', reason: 'wrong build',
  maxWeightReached: 20, maxIterationReached: 0,
  actors: [{ actor: 'user:default/sam', action: 'abort', time: '2025-06-02T09:04:59Z', comment: 'oops' }],
};

describe('mergeTimeline', () => {
  it('merges events and history newest first', () => {
    const entries = mergeTimeline(
      [event('2025-06-02T08:57:00Z', 'Advance podinfo.test canary weight 10'), event('2025-06-02T09:01:00Z', 'Advance 20')],
      [run],
    );
    expect(entries.map(e => [e.reason, e.message])).toEqual([
      ['RunAborted', 'Rollout of podinfo:6.7.1 aborted: wrong build'],
      ['UserAction', 'sam aborted: “oops”'],
      ['Synced', 'Advance 20'],
      ['Synced', 'Advance podinfo.test canary weight 10'],
      ['RunStarted', 'Rollout of podinfo:6.7.1 started'],
    ]);
    expect(entries[0].type).toBe('Warning');
    expect(entries[0].source).toBe('delivery history');
  });

  it('keeps a running run open and orders ties with events first', () => {
    const running: RolloutRun = { ...run, endedAt: undefined, outcome: 'running', actors: [] };
    const entries = mergeTimeline([event('2025-06-02T08:56:00Z', 'New revision detected!')], [running]);
    expect(entries.map(e => e.reason)).toEqual(['Synced', 'RunStarted']);
  });

  it('adds refused attempts as muted entries with the state they met', () => {
    const refused = {
      ...run,
      actors: [
        {
          actor: 'user:default/bob',
          action: 'pause',
          time: '2025-06-02T09:00:00Z',
          outcome: 'refused' as const,
          refusal: 'forbidden' as const,
          message: 'delivery.canary.operate is not granted to you for canary c/test/podinfo',
          phaseBefore: 'Progressing',
          weightBefore: 20,
        },
      ],
    };
    const [attempt] = mergeTimeline([], [refused]).filter(e => e.reason.startsWith('UserAction'));
    expect(attempt).toMatchObject({
      reason: 'UserActionRefused',
      message: 'bob tried to pause (Progressing, 20%), refused: not permitted',
      muted: true,
    });
  });
});
