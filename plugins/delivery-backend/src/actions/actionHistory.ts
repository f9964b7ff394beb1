import { LoggerService } from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import { ActionRefusal, Canary, CanaryRef, canaryKey } from '@delivery/plugin-delivery-common';
import { HistoryRecorder } from '../history/store';

/** Phase and canary weight as the audit event and the history row name them (a type, so it is a JsonObject). */
export type CanaryState = { phase: string; weight: number };

export const stateOf = (c: Canary | undefined): CanaryState => ({
  phase: c?.status?.phase ?? '',
  weight: c?.status?.canaryWeight ?? 0,
});

/** The refusals the run history keeps; any other error (bad input, not found, a failing cluster) is not one. */
export function refusalOf(error: unknown): ActionRefusal | undefined {
  if (!isError(error)) return undefined;
  if (error.name === 'NotAllowedError') return 'forbidden';
  if (error.name === 'ConflictError') return 'conflict';
  return undefined;
}

interface Attempt {
  ref: CanaryRef;
  /** The signed-in user: only callers who passed identity reach the code that records. */
  user: string;
  action: string;
  comment?: string;
}

/**
 * Writes the history row of an action, the run history's copy of the audit event: accepted actions with the state
 * before and after, refused attempts with the state they met and why. One row per attempt, whatever the outcome, so a
 * user hammering a refused button costs one insert per request, like the audit event.
 */
export class ActionHistory {
  private readonly now: () => Date;

  constructor(private readonly o: { history: HistoryRecorder; logger: LoggerService; now?: () => Date }) {
    this.now = o.now ?? (() => new Date());
  }

  accepted(attempt: Attempt & { time: string; before: CanaryState; after: CanaryState }): Promise<void> {
    const { ref, user, action, comment, time, before, after } = attempt;
    return this.o.history.recordAction(ref, {
      actor: user,
      action,
      time,
      ...(comment ? { comment } : {}),
      outcome: 'accepted',
      phaseBefore: before.phase,
      phaseAfter: after.phase,
      weightBefore: before.weight,
      weightAfter: after.weight,
    });
  }

  /**
   * Records `error` when it is a refusal, and never throws: the caller answers with the refusal either way, and a
   * history that cannot be written must not turn a 403 or 409 into a 500.
   */
  async refused(attempt: Attempt & { canary: Canary; error: unknown }): Promise<void> {
    const refusal = refusalOf(attempt.error);
    if (!refusal) return;
    const { ref, user, action, comment, canary } = attempt;
    const before = stateOf(canary);
    try {
      await this.o.history.recordAction(ref, {
        actor: user,
        action,
        time: this.now().toISOString(),
        ...(comment ? { comment } : {}),
        outcome: 'refused',
        refusal,
        message: (attempt.error as Error).message,
        phaseBefore: before.phase,
        weightBefore: before.weight,
      });
    } catch (e) {
      this.o.logger.warn(`${action} on ${canaryKey(ref)}: refused attempt by ${user} not recorded: ${(e as Error).message}`);
    }
  }
}
