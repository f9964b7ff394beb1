import { CanaryPhase } from '@delivery/plugin-delivery-common';

/** How a phase reads: `tone` picks the colour and icon, `label` is always shown so colour is never the only cue. */
export type PhaseTone = 'ok' | 'running' | 'waiting' | 'error' | 'idle';

export interface PhaseInfo {
  label: string;
  tone: PhaseTone;
  description: string;
}

const PHASES: Record<string, PhaseInfo> = {
  '': { label: 'Unknown', tone: 'idle', description: 'Not yet seen by the controller' },
  Initializing: { label: 'Initializing', tone: 'running', description: 'Creating the primary and services' },
  Initialized: { label: 'Initialized', tone: 'ok', description: 'Ready; waiting for a new revision' },
  Waiting: { label: 'Waiting for approval', tone: 'waiting', description: 'A gate holds the rollout before it starts' },
  Progressing: { label: 'Progressing', tone: 'running', description: 'Analysis running, traffic shifting' },
  WaitingPromotion: {
    label: 'Waiting for promotion',
    tone: 'waiting',
    description: 'Analysis passed; a gate holds the promotion',
  },
  Promoting: { label: 'Promoting', tone: 'running', description: 'Copying the canary spec to the primary' },
  Finalising: { label: 'Finalising', tone: 'running', description: 'Routing all traffic back to the primary' },
  Succeeded: { label: 'Succeeded', tone: 'ok', description: 'The new version is promoted' },
  Failed: { label: 'Failed', tone: 'error', description: 'Rolled back; the canary is scaled to zero' },
  Terminating: { label: 'Terminating', tone: 'idle', description: 'Being deleted' },
  Terminated: { label: 'Terminated', tone: 'idle', description: 'Deleted' },
};

export function phaseInfo(phase: CanaryPhase | string): PhaseInfo {
  return PHASES[phase] ?? { label: phase, tone: 'idle', description: '' };
}
