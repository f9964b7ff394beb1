import { configApiRef, useApi, useApiHolder } from '@backstage/core-plugin-api';
import { signalApiRef } from '@backstage/plugin-signals-react';
import {
  CanaryRef,
  DELIVERY_CANARY_SIGNAL_CHANNEL,
} from '@delivery/plugin-delivery-common';
import { useEffect, useRef } from 'react';

export const DEFAULT_POLL_INTERVAL_SECONDS = 15;
/**
 * With Signals, how many poll intervals pass between resyncs. Signals announce canaries only: a cluster that becomes
 * unreachable, or a message lost while the socket reconnected, is seen at the next resync (default every 60 s).
 */
export const RESYNC_POLL_INTERVALS = 4;

/** The JSON object type signals carry (named here to avoid a dependency on @backstage/types for one alias). */
type SignalMessage = Parameters<
  Parameters<(typeof signalApiRef.T)['subscribe']>[1]
>[0];

/** A signal is input from the network: accept only the documented shape. */
export function parseCanarySignal(
  message: SignalMessage | null,
): CanaryRef | undefined {
  if (!message) return undefined;
  const { cluster, namespace, name } = message;
  if (
    typeof cluster !== 'string' ||
    typeof namespace !== 'string' ||
    typeof name !== 'string'
  ) {
    return undefined;
  }
  return cluster && namespace && name
    ? { cluster, namespace, name }
    : undefined;
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
export function useLiveRefresh(
  handlers: LiveRefreshHandlers,
): LiveRefreshState {
  const config = useApi(configApiRef);
  const configured = config.getOptionalNumber('delivery.pollIntervalSeconds');
  // Below one second a poll storm would hurt the backend more than a stale view hurts the user.
  const pollIntervalSeconds = Math.max(
    1,
    configured ?? DEFAULT_POLL_INTERVAL_SECONDS,
  );
  const signalApi = useApiHolder().get(signalApiRef);
  const isSignalsAvailable = !!signalApi;

  const latest = useRef(handlers);
  latest.current = handlers;

  // Subscribed directly rather than through `useSignal`: that hook keeps only the last message in React state, so
  // two canaries announced in the same render batch (one reconciler tick moving several) lost all but one.
  useEffect(() => {
    if (!signalApi) return undefined;
    const subscription = signalApi.subscribe(
      DELIVERY_CANARY_SIGNAL_CHANNEL,
      message => {
        const ref = parseCanarySignal(message);
        if (ref) latest.current.onCanaryChanged(ref);
      },
    );
    return () => subscription.unsubscribe();
  }, [signalApi]);

  const resyncIntervalSeconds = pollIntervalSeconds * RESYNC_POLL_INTERVALS;
  useEffect(() => {
    const timer = isSignalsAvailable
      ? setInterval(
          () => latest.current.onResync?.(),
          resyncIntervalSeconds * 1000,
        )
      : setInterval(() => latest.current.onPoll(), pollIntervalSeconds * 1000);
    return () => clearInterval(timer);
  }, [isSignalsAvailable, pollIntervalSeconds, resyncIntervalSeconds]);

  return {
    mode: isSignalsAvailable ? 'signals' : 'polling',
    pollIntervalSeconds,
    resyncIntervalSeconds,
  };
}
