import { LoggerService } from '@backstage/backend-plugin-api';
import { KubeTransport, resourcePath } from './clusters';
import { sleep } from './backoff';
import { KINDS, KubeApiError, KubeObject } from './types';

interface LeaseObject extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderElectorOptions {
  /** A transport with its OWN connection pool, so renewals never queue behind reconciler traffic. */
  transport: KubeTransport;
  namespace: string;
  name: string;
  identity: string;
  logger: LoggerService;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  now?: () => number;
}

/**
 * Leader election over a coordination.k8s.io/v1 Lease. A holder stops considering itself leader once
 * `renewDeadline` passed without a successful renewal — strictly before the lease expires for others
 * (`leaseDuration`), so two replicas never write at once. Expiry of a foreign lease is judged by when *we* last saw it
 * change, not by its renewTime, so clock skew between replicas does not matter.
 */
export class LeaderElector {
  private readonly o: Required<Omit<LeaderElectorOptions, 'now'>> & { now: () => number };
  private lastRenew = -Infinity;
  private observed: { record: string; at: number } | undefined;
  private loss = new AbortController();
  private leader = false;
  private stopper = new AbortController();
  private running: Promise<void> | undefined;
  private readonly changeListeners = new Set<(leader: boolean) => void>();

  constructor(options: LeaderElectorOptions) {
    this.o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      ...options,
      now: options.now ?? Date.now,
    };
    if (this.o.renewDeadlineMs >= this.o.leaseDurationMs) {
      throw new Error('lease: renewDeadlineMs must be shorter than leaseDurationMs');
    }
  }

  /** True only while the last successful renewal is younger than the renew deadline. */
  isLeader(): boolean {
    if (this.leader && this.o.now() - this.lastRenew >= this.o.renewDeadlineMs) this.lose('renew deadline passed');
    return this.leader;
  }

  /** Fires when the current leadership term ends; a new signal is issued for each term. */
  get signal(): AbortSignal {
    return this.loss.signal;
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.stopper = new AbortController();
    this.running = this.loop(this.stopper.signal);
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
    this.running = undefined;
    this.lose('stopped');
  }

  private lose(why: string) {
    if (!this.leader) return;
    this.leader = false;
    this.o.logger.info(`lease ${this.o.namespace}/${this.o.name}: leadership lost (${why})`);
    this.loss.abort(new Error(`leadership lost: ${why}`));
    this.changeListeners.forEach(l => l(false));
  }

  private async loop(signal: AbortSignal) {
    while (!signal.aborted) {
      try {
        await this.tryAcquireOrRenew(signal);
      } catch (e) {
        this.o.logger.debug(`lease ${this.o.namespace}/${this.o.name}: ${(e as Error).message}`);
      }
      this.isLeader(); // drops leadership when renewals keep failing
      await sleep(this.o.retryPeriodMs, signal);
    }
  }

  /** One attempt; exported for tests through the public loop only. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<void> {
    const { namespace, name, identity } = this.o;
    const path = resourcePath(KINDS.lease, namespace, name);
    // Renewals must finish before the deadline, or they are worthless.
    const timeoutMs = Math.max(500, this.o.renewDeadlineMs - (this.o.now() - this.lastRenew) - 100);
    const start = this.o.now();
    // Lease times are MicroTime: the API server rejects anything but six fractional digits.
    const nowIso = new Date(start).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    let current: LeaseObject | undefined;
    try {
      current = await this.o.transport.request<LeaseObject>({ path, signal, timeoutMs });
    } catch (e) {
      if (!(e instanceof KubeApiError && e.status === 404)) throw e;
    }
    if (!current) {
      await this.o.transport.request({
        method: 'POST',
        path: resourcePath(KINDS.lease, namespace),
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: nowIso,
            renewTime: nowIso,
            leaseTransitions: 0,
          },
        },
        signal,
        timeoutMs,
      });
      this.renewed(start);
      return;
    }
    const spec = current.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.acquireTime]);
    if (!this.observed || this.observed.record !== record) this.observed = { record, at: start };
    const mine = spec.holderIdentity === identity;
    const durationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const expired = !spec.holderIdentity || start - this.observed.at >= durationMs;
    if (!mine && !expired) return;
    await this.o.transport.request({
      method: 'PUT',
      path,
      body: {
        ...current,
        spec: {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          renewTime: nowIso,
          acquireTime: mine ? spec.acquireTime : nowIso,
          leaseTransitions: mine ? spec.leaseTransitions ?? 0 : (spec.leaseTransitions ?? 0) + 1,
        },
      },
      signal,
      timeoutMs,
    });
    this.renewed(start);
  }

  /** Counts from when the request started: the lease was valid from then, not from when the answer came. */
  private renewed(startedAt: number) {
    this.lastRenew = startedAt;
    if (!this.leader) {
      this.leader = true;
      this.loss = new AbortController();
      this.o.logger.info(`lease ${this.o.namespace}/${this.o.name}: acquired by ${this.o.identity}`);
      this.changeListeners.forEach(l => l(true));
    }
  }
}
