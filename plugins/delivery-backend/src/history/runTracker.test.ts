import { mockServices } from '@backstage/backend-test-utils';
import { Canary, CanaryStatus, CanarySummary } from '@delivery/plugin-delivery-common';
import { RunState, RunTracker, decideRun } from './runTracker';
import { KINDS, KubeObject, ObjectReader } from '../kube/types';
import { HistoryStore, NewRun } from './store';

const canary = (status: CanaryStatus): Canary => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: { targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 } },
  status: { lastTransitionTime: '2026-01-01T00:00:00Z', ...status },
});
const summary = { canaryImages: ['img:2'], primaryImages: ['img:1'], message: 'Canary analysis failed' } as CanarySummary;
const open: RunState = { runId: '7', revision: 'r1', maxWeight: 20, maxIteration: 0 };

describe('decideRun', () => {
  it.each<[string, RunState | undefined, CanaryStatus, string[]]>([
    ['starts a run on Progressing', undefined, { phase: 'Progressing', lastAppliedSpec: 'r1' }, ['start']],
    ['records the weight reached', undefined, { phase: 'Progressing', lastAppliedSpec: 'r1', canaryWeight: 10 }, ['start', 'progress']],
    ['keeps the open run of the same revision', open, { phase: 'Progressing', lastAppliedSpec: 'r1', canaryWeight: 20 }, []],
    ['raises the maximum', open, { phase: 'Progressing', lastAppliedSpec: 'r1', canaryWeight: 30 }, ['progress']],
    ['supersedes on a new revision', open, { phase: 'Progressing', lastAppliedSpec: 'r2' }, ['end', 'start']],
    ['ends on Succeeded', open, { phase: 'Succeeded', lastAppliedSpec: 'r1' }, ['end']],
    ['ends on Failed', open, { phase: 'Failed', lastAppliedSpec: 'r1' }, ['end']],
    ['ignores Succeeded without an open run', undefined, { phase: 'Succeeded' }, []],
    ['ignores Initialized', undefined, { phase: 'Initialized' }, []],
    ['starts when first seen mid-promotion', undefined, { phase: 'Promoting', lastAppliedSpec: 'r1' }, ['start']],
  ])('%s', (_name, state, status, expected) => {
    expect(decideRun(state, canary(status), summary, '2026-01-01T00:00:00Z').map(a => a.type)).toEqual(expected);
  });

  it('gives a failed run the summary message as reason', () => {
    const [end] = decideRun(open, canary({ phase: 'Failed' }), summary, 'now');
    expect(end).toMatchObject({ type: 'end', outcome: 'failed', reason: 'Canary analysis failed' });
  });
});

describe('RunTracker', () => {
  it('turns a sequence of statuses into one run with its maximum weight', async () => {
    const calls: string[] = [];
    const store = {
      openRuns: async () => [],
      startRun: async () => {
        calls.push('start');
        return '1';
      },
      updateRun: async (_id: string, p: { maxWeightReached?: number }) => {
        calls.push(`max ${p.maxWeightReached}`);
      },
      endRun: async (_id: string, e: { outcome: string }) => {
        calls.push(`end ${e.outcome}`);
      },
    } as unknown as HistoryStore;
    const tracker = new RunTracker({ store, logger: mockServices.logger.mock() });
    await tracker.init();
    const ref = { cluster: 'dev', namespace: 'test', name: 'podinfo' };
    for (const status of [
      { phase: 'Progressing', lastAppliedSpec: 'r1', canaryWeight: 0 },
      { phase: 'Progressing', lastAppliedSpec: 'r1', canaryWeight: 10 },
      { phase: 'Progressing', lastAppliedSpec: 'r1', canaryWeight: 20 },
      { phase: 'Promoting', lastAppliedSpec: 'r1', canaryWeight: 0 },
      { phase: 'Succeeded', lastAppliedSpec: 'r1' },
    ] as CanaryStatus[]) {
      void tracker.observe(ref, canary(status), summary);
    }
    await tracker.flush();
    expect(calls).toEqual(['start', 'max 10', 'max 20', 'end succeeded']);
  });

  it("records a run's images from the cached target when the row that started it had none", async () => {
    const started: NewRun[] = [];
    const store = {
      openRuns: async () => [],
      startRun: async (run: NewRun) => {
        started.push(run);
        return '1';
      },
      updateRun: async () => {},
      endRun: async () => {},
    } as unknown as HistoryStore;
    const deployment = (name: string, image: string): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'test' },
      spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
    });
    const objects = new Map([
      ['podinfo', deployment('podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.1')],
      ['podinfo-primary', deployment('podinfo-primary', 'ghcr.io/stefanprodan/podinfo:6.0.0')],
    ]);
    const reader: ObjectReader = {
      get: <T extends KubeObject>(kind: { plural: string }, ns: string, name: string) =>
        (kind.plural === KINDS.deployment.plural && ns === 'test' ? objects.get(name) : undefined) as T | undefined,
      list: () => [],
    };
    const tracker = new RunTracker({
      store,
      logger: mockServices.logger.mock(),
      readerFor: cluster => (cluster === 'dev' ? reader : undefined),
    });
    const blank = { ...summary, canaryImages: [], primaryImages: [] };
    await tracker.observe({ cluster: 'dev', namespace: 'test', name: 'podinfo' }, canary({ phase: 'Progressing', lastAppliedSpec: 'r1' }), blank);
    // A cluster the tracker has no cache for keeps the row's (here empty) images rather than failing.
    await tracker.observe({ cluster: 'other', namespace: 'test', name: 'podinfo' }, canary({ phase: 'Progressing', lastAppliedSpec: 'r1' }), blank);
    expect(started.map(r => [r.ref.cluster, r.canaryImages, r.primaryImages])).toEqual([
      ['dev', ['ghcr.io/stefanprodan/podinfo:6.0.1'], ['ghcr.io/stefanprodan/podinfo:6.0.0']],
      ['other', [], []],
    ]);
  });
});
