import { configApiRef, useApi } from '@backstage/core-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import { CanaryRef, DELIVERY_CANARY_SIGNAL_CHANNEL } from '@delivery/plugin-delivery-common';
import { useEffect, useRef } from 'react';

export const DEFAULT_POLL_INTERVAL_SECONDS = 15;
/**
 * With Signals, how many poll intervals pass between resyncs. Signals announce canaries only: a cluster that becomes
 * unreachable, or a message lost while the socket reconnected, is seen at the next resync (default every 60 s).
 */
export const RESYNC_POLL_INTERVALS = 4;

/** The JSON object type signals carry (named here to avoid a dependency on @backstage/types for one alias). */
type SignalMessage = NonNullable<ReturnType<typeof useSignal>['lastSignal']>;

/** A signal is input from the network: accept only the documented shape. */
export function parseCanarySignal(message: SignalMessage | null): CanaryRef | undefined {
  if (!message) return undefined;
  const { cluster, namespace, name } = message;
  if (typeof cluster !== 'string' || typeof namespace !== 'string' || typeof name !== 'string') {
    return undefined;
  }
  return cluster && namespace && name ? { cluster, namespace, name } : undefined;
}

export interface LiveRefreshHandlers {
  /** The backend announced a change of this canary. */
  onCanaryChanged(ref: CanaryRef): void;
  /** Polling fallback tick, only while Signals are not installed. */
  onPoll(): void;
  /** Slow tick while Signals are installed, for what no signal announces (cluster health); defaults to none. */
  onResync?(): void;
}

export interface LiveRefreshState {
  mode: 'signals' | 'polling';
  pollIntervalSeconds: number;
  /** Seconds between resyncs while Signals are used. */
  resyncIntervalSeconds: number;
}

/**
 * Keeps a view current: Signals when the app has the signals plugin (plus a slow resync), else polling every
 * `delivery.pollIntervalSeconds` (default 15). Handlers may change on every render without resubscribing.
 */
export function useLiveRefresh(handlers: LiveRefreshHandlers): LiveRefreshState {
  const config = useApi(configApiRef);
  const configured = config.getOptionalNumber('delivery.pollIntervalSeconds');
  // Below one second a poll storm would hurt the backend more than a stale view hurts the user.
  const pollIntervalSeconds = Math.max(1, configured ?? DEFAULT_POLL_INTERVAL_SECONDS);
  // In signals-react 0.0.26 this is `!!signalApi`: true exactly when the app provides the signals API.
  const { lastSignal, isSignalsAvailable } = useSignal(DELIVERY_CANARY_SIGNAL_CHANNEL);

  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    const ref = parseCanarySignal(lastSignal);
    if (ref) latest.current.onCanaryChanged(ref);
  }, [lastSignal]);

  const resyncIntervalSeconds = pollIntervalSeconds * RESYNC_POLL_INTERVALS;
  useEffect(() => {
    const timer = isSignalsAvailable
      ? setInterval(() => latest.current.onResync?.(), resyncIntervalSeconds * 1000)
      : setInterval(() => latest.current.onPoll(), pollIntervalSeconds * 1000);
    return () => clearInterval(timer);
  }, [isSignalsAvailable, pollIntervalSeconds, resyncIntervalSeconds]);

  return { mode: isSignalsAvailable ? 'signals' : 'polling', pollIntervalSeconds, resyncIntervalSeconds };
}
