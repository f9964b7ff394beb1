import { RolloutRun, RunActor } from '@delivery/plugin-delivery-common';
import { renderInTestApp } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import { RunsTable } from '../RunsTable';
import { actorText } from './actorText';

const approved: RunActor = {
  actor: 'user:default/ann',
  action: 'approve',
  time: '2025-06-02T09:01:00Z',
  outcome: 'accepted',
  phaseBefore: 'WaitingPromotion',
  phaseAfter: 'Promoting',
  weightBefore: 50,
  weightAfter: 50,
};
const refused: RunActor = {
  actor: 'user:default/bob',
  action: 'abort',
  time: '2025-06-02T09:00:00Z',
  comment: 'looks bad',
  outcome: 'refused',
  refusal: 'conflict',
  message: 'abort refused: the canary is now WaitingPromotion, you saw Progressing; reload and try again',
  phaseBefore: 'WaitingPromotion',
  weightBefore: 50,
};

describe('actorText', () => {
  it.each<[string, RunActor, string]>([
    ['an accepted action that moved the canary', approved, 'ann approved (WaitingPromotion → Promoting, 50%)'],
    ['a weight change', { ...approved, action: 'abort', phaseAfter: 'WaitingPromotion', weightAfter: 0 }, 'ann aborted (WaitingPromotion, 50% → 0%)'],
    ['a refused attempt', refused, 'bob tried to abort (WaitingPromotion, 50%): “looks bad”, refused: the canary had moved on'],
    ['a forbidden attempt', { ...refused, comment: undefined, refusal: 'forbidden', action: 'promote' }, 'bob tried to promote now (WaitingPromotion, 50%), refused: not permitted'],
    ['a row from before outcomes were kept', { actor: 'user:team-x/sam', action: 'pause', time: '2025-06-02T09:00:00Z' }, 'team-x/sam paused'],
    ['a phase not initialised yet', { ...approved, action: 'pause', phaseBefore: '', phaseAfter: '' }, 'ann paused (not initialised, 50%)'],
  ])('describes %s', (_what, actor, text) => expect(actorText(actor)).toBe(text));
});

describe('RunsTable people', () => {
  const run: RolloutRun = {
    id: 'r1',
    cluster: 'prod',
    namespace: 'test',
    name: 'podinfo',
    canaryImages: ['ghcr.io/stefanprodan/podinfo:6.7.1'],
    primaryImages: [],
    startedAt: '2025-06-02T08:56:00Z',
    outcome: 'running',
    maxWeightReached: 50,
    maxIterationReached: 0,
    actors: [refused, approved],
  };

  it('lists who acted with the state before and after, and mutes a refused attempt with its reason on hover', async () => {
    await renderInTestApp(<RunsTable runs={[run]} now={Date.parse('2025-06-02T09:05:00Z')} />);
    const table = screen.getByRole('table', { name: 'past runs' });
    const accepted = within(table).getByText('ann approved (WaitingPromotion → Promoting, 50%)');
    expect(accepted).toHaveAttribute('data-outcome', 'accepted');
    expect(accepted).not.toHaveAttribute('title');
    const attempt = within(table).getByText(/^bob tried to abort/);
    expect(attempt).toHaveAttribute('data-outcome', 'refused');
    expect(attempt).toHaveAttribute('title', refused.message);
    expect(getComputedStyle(attempt).color).not.toBe(getComputedStyle(accepted).color);
  });
});
