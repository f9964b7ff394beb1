import { Canary } from '@delivery/plugin-delivery-common';
import { applyVote, gateHooks, gateState, requiredApprovals, runKeyOf, waitingGateType } from './policy';
import { isGateUrl } from './resolver';

const status = (phase: string, lastAppliedSpec = 'h2') => ({ status: { phase, lastAppliedSpec } }) as Canary;

describe('gate policy', () => {
  it.each([
    ['Waiting', 'next:h2'],
    ['Succeeded', 'next:h2'],
    ['Failed', 'next:h2'],
    ['Initialized', 'next:h2'],
    ['Progressing', 'run:h2'],
    ['WaitingPromotion', 'run:h2'],
    ['Promoting', 'run:h2'],
    ['Finalising', 'run:h2'],
  ])('run key in phase %s is %s', (phase, expected) => {
    expect(runKeyOf(status(phase))).toBe(expected);
  });

  it('starts a new revision with a new run key', () => {
    expect(runKeyOf(status('Progressing', 'h3'))).not.toBe(runKeyOf(status('Progressing', 'h2')));
  });

  it.each([
    [{ canary: '3', entity: '2' }, 5, 3],
    [{ entity: '2' }, 5, 2],
    [{}, 5, 5],
    [{}, 0, 1],
    [{}, 50, 10],
  ] as Array<[{ canary?: string; entity?: string }, number, number]>)('required approvals from %p with default %p is %p', (a, def, expected) => {
    const ann = (v?: string) => (v ? { 'delivery.backstage.io/required-approvals': v } : undefined);
    expect(
      requiredApprovals({ canaryAnnotations: ann(a.canary), entityAnnotations: ann(a.entity), defaultRequired: def }),
    ).toBe(expected);
  });

  it.each(['0', 'two', '1.5', '11'])('rejects required-approvals "%s" with a message naming the annotation', v => {
    expect(() =>
      requiredApprovals({ canaryAnnotations: { 'delivery.backstage.io/required-approvals': v }, defaultRequired: 1 }),
    ).toThrow(/Canary annotation delivery.backstage.io\/required-approvals=.* use a whole number from 1 to 10/);
  });

  it.each([
    [[], 1, 'pending'],
    [[['ann', 'approve']], 1, 'open'],
    [[['ann', 'approve']], 2, 'pending'],
    [[['ann', 'approve'], ['bob', 'approve']], 2, 'open'],
    [[['ann', 'approve'], ['bob', 'reject']], 1, 'rejected'],
  ] as const)('votes %j with %p required add up to %s', (votes, required, expected) => {
    expect(gateState(votes.map(([actor, decision]) => ({ actor, decision })), required)).toBe(expected);
  });

  it('treats the same vote twice as unchanged and a new decision as a replacement', () => {
    const v = { actor: 'ann', decision: 'approve' as const, time: 't1' };
    expect(applyVote([v], { ...v, time: 't2' })).toEqual({ votes: [v], changed: false });
    expect(applyVote([v], { ...v, decision: 'reject', time: 't2' })).toEqual({
      votes: [{ ...v, decision: 'reject', time: 't2' }],
      changed: true,
    });
  });

  it.each([
    ['Waiting', 'confirm-rollout'],
    ['WaitingPromotion', 'confirm-promotion'],
    ['Progressing', undefined],
  ] as const)('phase %s waits at %p', (phase, type) => expect(waitingGateType(phase)).toBe(type));

  it.each([
    ['http://backstage:7007/api/delivery/gates/confirm-promotion', true],
    ['https://portal.example.com/api/delivery/gates/prod/s3cret/rollback', true],
    ['http://flagger-loadtester.test/gate/check', false],
    ['http://backstage/api/delivery/gatesx', false],
    ['not a url', false],
  ])('isGateUrl(%s) is %p', (url, expected) => expect(isGateUrl(url)).toBe(expected));

  it('finds the gate hooks answered by our store, by type', () => {
    const canary = {
      spec: {
        analysis: {
          webhooks: [
            { name: 'approve', type: 'confirm-promotion', url: 'http://backstage/api/delivery/gates/confirm-promotion' },
            { name: 'lt', type: 'confirm-rollout', url: 'http://loadtester/gate/check' },
            { name: 'smoke', type: 'pre-rollout', url: 'http://backstage/api/delivery/gates/pre-rollout' },
          ],
        },
      },
    } as unknown as Canary;
    const hooks = gateHooks(canary, isGateUrl);
    expect([...hooks.keys()]).toEqual(['confirm-promotion']);
    expect(hooks.get('confirm-promotion')?.map(h => h.name)).toEqual(['approve']);
  });
});
