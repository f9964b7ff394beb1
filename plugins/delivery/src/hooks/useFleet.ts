import { useApi } from '@backstage/core-plugin-api';
import { FleetPage, FleetQuery } from '@delivery/plugin-delivery-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { deliveryApiRef } from '../api';
import { useLiveRefresh } from './useLiveRefresh';

export interface FleetState {
  value?: FleetPage;
  error?: Error;
  refreshError?: Error;
  loading: boolean;
  live: ReturnType<typeof useLiveRefresh>;
}

/**
 * One page of the fleet for `query`, refreshed on any canary signal or poll. The previous page stays on screen
 * while the next one loads, so typing in the search box or paging never blanks the table.
 */
export function useFleet(query: FleetQuery): FleetState {
  const api = useApi(deliveryApiRef);
  const [state, setState] = useState<Pick<FleetState, 'value' | 'error' | 'refreshError'>>({});
  const latestQuery = useRef(query);
  latestQuery.current = query;
  const flight = useRef({ running: false, again: false });

  const reload = useCallback(async () => {
    if (flight.current.running) {
      flight.current.again = true;
      return;
    }
    flight.current.running = true;
    try {
      do {
        flight.current.again = false;
        const asked = latestQuery.current;
        try {
          const value = await api.getFleet(asked);
          // A newer query was typed meanwhile: its own request follows, do not flash this answer.
          if (asked !== latestQuery.current) continue;
          setState({ value });
        } catch (e) {
          if (asked !== latestQuery.current) continue;
          const error = e instanceof Error ? e : new Error(String(e));
          setState(prev => (prev.value ? { ...prev, refreshError: error } : { error }));
        }
      } while (flight.current.again);
    } finally {
      flight.current.running = false;
    }
  }, [api]);

  useEffect(() => {
    reload();
  }, [query, reload]);

  const live = useLiveRefresh({ onCanaryChanged: reload, onPoll: reload, onResync: reload });
  return { ...state, loading: !state.value && !state.error, live };
}
