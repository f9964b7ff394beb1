import { Canary } from '@delivery/plugin-delivery-common';
import { ABORT_ANNOTATION, PROMOTE_NOW_ANNOTATION, encodeIntent, readActionIntents } from './intents';

const canary = (annotations: Record<string, string>, phase = 'Progressing', lastAppliedSpec = 'h2') =>
  ({ metadata: { name: 'podinfo', namespace: 'test', annotations }, status: { phase, lastAppliedSpec } }) as Canary;
const intent = (runKey: string) => ({ actor: 'user:default/ann', at: '2026-02-01T10:00:00Z', runKey });

describe('readActionIntents', () => {
  it('returns nothing when no intent is set', () => {
    expect(readActionIntents(canary({}))).toEqual({ obsolete: [] });
  });

  it('returns intents written for the current run', () => {
    const c = canary({
      [PROMOTE_NOW_ANNOTATION]: encodeIntent({ ...intent('run:h2'), comment: 'hotfix' }),
      [ABORT_ANNOTATION]: encodeIntent(intent('run:h2')),
    });
    expect(readActionIntents(c)).toEqual({
      promoteNow: { ...intent('run:h2'), comment: 'hotfix' },
      abort: intent('run:h2'),
      obsolete: [],
    });
  });

  it('reports intents of another run and unreadable values as obsolete, never as requests', () => {
    const c = canary({ [PROMOTE_NOW_ANNOTATION]: encodeIntent(intent('run:h1')), [ABORT_ANNOTATION]: 'yes please' });
    expect(readActionIntents(c)).toEqual({ obsolete: [PROMOTE_NOW_ANNOTATION, ABORT_ANNOTATION] });
  });

  it('treats a run that ended as another run', () => {
    const c = canary({ [ABORT_ANNOTATION]: encodeIntent(intent('run:h2')) }, 'Failed');
    expect(readActionIntents(c).abort).toBeUndefined();
  });
});
