import { KubeUnreachableError } from './clusters';
import { KubeApiError } from './types';

/** Why a watch is not in sync, in the words cluster health uses. */
export type WatchErrorClass = 'unreachable' | 'unauthorized' | 'not-installed' | 'error';

export function classifyKubeError(error: unknown): WatchErrorClass {
  if (error instanceof KubeApiError) {
    if (error.status === 401 || error.status === 403) return 'unauthorized';
    if (error.status === 404) return 'not-installed';
    return 'error';
  }
  if (error instanceof KubeUnreachableError) return 'unreachable';
  return 'error';
}

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Fraction of the delay added at random (0.5 = up to +50 %), so many watches do not reconnect in lockstep. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 30_000, jitter: 0.5 };

/** Exponential delay before attempt `failures` (1-based) with jitter; `random` is injected for tests. */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number): number {
  if (failures <= 0) return 0;
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(base * (1 + policy.jitter * random()));
}

/** Waits `ms`, or less when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    if (ms <= 0 || signal?.aborted) {
      resolve();
      return;
    }
    let timer: NodeJS.Timeout | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Lets other work run between chunks of a big LIST so the event loop is never blocked for long. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise(resolve => setImmediate(resolve));
}
