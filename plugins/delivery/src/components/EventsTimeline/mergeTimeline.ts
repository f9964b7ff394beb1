import { CanaryEvent, RolloutRun } from '@delivery/plugin-delivery-common';
import { actorText } from '../RunActors/actorText';

export interface TimelineEntry {
  time: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  source: string;
  count?: number;
  /** A refused attempt: shown, but quieter than what happened. */
  muted?: boolean;
}

const HISTORY = 'delivery history';

function imagesText(images: string[]): string {
  return images.join(', ') || 'unknown image';
}

/** What the history database adds to the Kubernetes events: run boundaries and what people did. */
function historyEntries(run: RolloutRun): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    {
      time: run.startedAt,
      type: 'Normal',
      reason: 'RunStarted',
      message: `Rollout of ${imagesText(run.canaryImages)} started`,
      source: HISTORY,
    },
  ];
  for (const a of run.actors) {
    const refused = a.outcome === 'refused';
    entries.push({
      time: a.time,
      type: 'Normal',
      reason: refused ? 'UserActionRefused' : 'UserAction',
      message: actorText(a),
      source: HISTORY,
      ...(refused ? { muted: true } : {}),
    });
  }
  if (run.endedAt && run.outcome !== 'running') {
    entries.push({
      time: run.endedAt,
      type: run.outcome === 'succeeded' || run.outcome === 'superseded' ? 'Normal' : 'Warning',
      reason: `Run${run.outcome[0].toUpperCase()}${run.outcome.slice(1)}`,
      message: `Rollout of ${imagesText(run.canaryImages)} ${run.outcome}${run.reason ? `: ${run.reason}` : ''}`,
      source: HISTORY,
    });
  }
  return entries;
}

/** Kubernetes events and recorded history as one timeline, newest first; ties keep events before history. */
export function mergeTimeline(events: CanaryEvent[], runs: RolloutRun[]): TimelineEntry[] {
  const all: TimelineEntry[] = [...events, ...runs.flatMap(historyEntries)];
  return all
    .map((entry, index) => ({ entry, index, t: Date.parse(entry.time) }))
    .sort((a, b) => b.t - a.t || a.index - b.index)
    .map(x => x.entry);
}
