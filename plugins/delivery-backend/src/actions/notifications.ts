import { LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { CanarySummary, canaryKey } from '@delivery/plugin-delivery-common';
import type { FleetChange } from '../fleet/aggregator';

/** The notifications client has no AbortSignal: bound the wait so a slow notifications backend cannot pile up sends. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export type NoticeKind = 'waiting' | 'failed' | 'promoted';

export interface Notice {
  kind: NoticeKind;
  title: string;
  description: string;
  severity: 'normal' | 'high';
}

const WAITING = new Set(['Waiting', 'WaitingPromotion']);

/**
 * What, if anything, a phase transition is worth telling the owners. Pure. Only real transitions count (the first
 * sighting after a restart has no `prev` and stays silent), so a restarted or second replica does not re-announce.
 * `prev` carries the numbers a Failed status no longer has (Flagger zeroes failedChecks and the weight).
 */
export function transitionNotice(prev: CanarySummary | undefined, next: CanarySummary): Notice | undefined {
  if (!prev || prev.phase === next.phase) return undefined;
  const key = canaryKey(next);
  const image = next.canaryImages.join(', ') || 'the new revision';
  if (WAITING.has(next.phase)) {
    const gate = next.phase === 'Waiting' ? 'to start' : 'to be promoted';
    return {
      kind: 'waiting',
      title: `${next.name} is waiting for approval ${gate}`,
      description: `${key}: ${image} is waiting for approval ${gate}. Open the Delivery tab to approve or reject.`,
      severity: 'normal',
    };
  }
  if (next.phase === 'Failed') {
    const numbers = `failed checks ${prev.failedChecks}/${prev.threshold}, canary weight reached ${prev.canaryWeight}%`;
    return {
      kind: 'failed',
      title: `${next.name} rollout failed in ${next.cluster}`,
      description: `${key}: ${image} was rolled back (${numbers}). Reason: ${next.message ?? 'see the Delivery tab'}`,
      severity: 'high',
    };
  }
  if (next.phase === 'Succeeded' && ['Promoting', 'Finalising', 'Progressing', 'WaitingPromotion'].includes(prev.phase)) {
    return {
      kind: 'promoted',
      title: `${next.name} promoted in ${next.cluster}`,
      description: `${key}: ${image} now serves all traffic.`,
      severity: 'normal',
    };
  }
  return undefined;
}

/** The Delivery tab of an entity, relative to the app. */
export function deliveryTabLink(entityRef: string): string {
  const { kind, namespace, name } = parseEntityRef(entityRef);
  return `/catalog/${encodeURIComponent(namespace)}/${encodeURIComponent(kind.toLocaleLowerCase('en-US'))}/${encodeURIComponent(name)}/delivery`;
}

/**
 * Tells entity owners about canary transitions seen by the fleet aggregator, so it works for upstream Flagger as
 * much as for our reconciler. One `scope` per rollout and entity: the next notice of the same rollout updates the
 * earlier one instead of stacking, and replicas sending the same notice converge on one.
 */
export class TransitionNotifier {
  private readonly last = new Map<string, CanarySummary>();

  constructor(private readonly options: { notifications: NotificationService; logger: LoggerService }) {}

  /** Feed every fleet change; returns the send in flight, for tests. */
  observe(change: FleetChange): Promise<void> {
    const key = canaryKey(change.ref);
    const prev = this.last.get(key);
    if (!change.summary) {
      this.last.delete(key);
      return Promise.resolve();
    }
    this.last.set(key, change.summary);
    const notice = transitionNotice(prev, change.summary);
    const entities = change.summary.entityRefs ?? [];
    if (!notice || entities.length === 0) return Promise.resolve();
    const run = change.summary.canaryImages.join(',') || change.summary.lastTransitionTime || '';
    return Promise.all(
      entities.map(entityRef =>
        within(10_000, this.options.notifications.send({
          recipients: { type: 'entity', entityRef },
          payload: {
            title: notice.title,
            description: notice.description,
            link: deliveryTabLink(entityRef),
            severity: notice.severity,
            topic: `delivery:${key}`,
            scope: `delivery:${key}:${run}`,
          },
        })),
      ),
    ).then(
      () => undefined,
      e => this.options.logger.warn(`notification for ${key} not sent: ${(e as Error).message}`),
    );
  }
}
