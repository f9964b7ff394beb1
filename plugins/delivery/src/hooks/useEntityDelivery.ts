import { useApi } from '@backstage/core-plugin-api';
import {
  CanaryDetails,
  CanaryRef,
  EntityCanaries,
  canaryKey,
  parseCanaryKey,
} from '@delivery/plugin-delivery-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { deliveryApiRef } from '../api';
import { useLiveRefresh } from './useLiveRefresh';

export interface DetailsState {
  value?: CanaryDetails;
  error?: Error;
  loading: boolean;
}

export interface EntityDeliveryState {
  value?: EntityCanaries;
  /** The first load failed: nothing to show. */
  error?: Error;
  /** A later refresh failed: the view keeps the data it has and says it may be out of date. */
  refreshError?: Error;
  /** True only until the first answer; refreshes never bring the spinner back. */
  loading: boolean;
  details: Record<string, DetailsState>;
  expanded: ReadonlySet<string>;
  setExpanded(key: string, open: boolean): void;
  /** Re-fetch one canary now, e.g. after an action. */
  refresh(key: string): void;
  live: ReturnType<typeof useLiveRefresh>;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Canaries of one entity, kept current in place. State is keyed by canary key, so a refresh replaces the data of
 * the canaries that changed and leaves expanded panels, dialogs and scroll position alone.
 */
export function useEntityDelivery(entityRef: string): EntityDeliveryState {
  const api = useApi(deliveryApiRef);
  const [list, setList] = useState<Pick<EntityDeliveryState, 'value' | 'error' | 'refreshError'>>({});
  const [details, setDetails] = useState<Record<string, DetailsState>>({});
  const [expanded, setExpandedKeys] = useState<ReadonlySet<string>>(new Set());
  // Mutable bookkeeping that must not trigger renders: which requests are current, and what is on screen.
  const listFlight = useRef({ running: false, again: false });
  const detailSeq = useRef(new Map<string, number>());
  const current = useRef({ entityRef, list: list.value, expanded });
  current.current = { entityRef, list: list.value, expanded };

  const refreshCanary = useCallback(
    async (ref: CanaryRef) => {
      const key = canaryKey(ref);
      const seq = (detailSeq.current.get(key) ?? 0) + 1;
      detailSeq.current.set(key, seq);
      const forEntity = current.current.entityRef;
      const isLatest = () =>
        detailSeq.current.get(key) === seq && current.current.entityRef === forEntity;
      setDetails(prev => ({ ...prev, [key]: { ...prev[key], loading: true } }));
      try {
        const value = await api.getCanary(ref);
        if (!isLatest()) return;
        setDetails(prev => ({ ...prev, [key]: { value, loading: false } }));
        // The card header reads the list, so patch the summary there too; the other items keep their identity.
        setList(prev =>
          prev.value
            ? {
                ...prev,
                value: {
                  ...prev.value,
                  items: prev.value.items.map(item => (canaryKey(item) === key ? value : item)),
                },
              }
            : prev,
        );
      } catch (e) {
        if (!isLatest()) return;
        setDetails(prev => ({ ...prev, [key]: { ...prev[key], error: asError(e), loading: false } }));
      }
    },
    [api],
  );

  const setExpanded = useCallback(
    (key: string, open: boolean) => {
      setExpandedKeys(prev => {
        const next = new Set(prev);
        if (open) next.add(key);
        else next.delete(key);
        return next;
      });
      const ref = parseCanaryKey(key);
      if (open && ref) refreshCanary(ref);
    },
    [refreshCanary],
  );

  const refresh = useCallback(
    (key: string) => {
      const ref = parseCanaryKey(key);
      if (ref) refreshCanary(ref);
    },
    [refreshCanary],
  );

  // One list request at a time; asks that arrive meanwhile collapse into a single follow-up request.
  const reloadList = useCallback(async () => {
    const flight = listFlight.current;
    if (flight.running) {
      flight.again = true;
      return;
    }
    flight.running = true;
    try {
      do {
        flight.again = false;
        const forEntity = current.current.entityRef;
        try {
          const value = await api.getEntityCanaries(forEntity);
          if (current.current.entityRef !== forEntity) continue;
          const firstLoad = !current.current.list;
          setList({ value });
          if (firstLoad && value.items.length === 1) setExpanded(canaryKey(value.items[0]), true);
        } catch (e) {
          if (current.current.entityRef !== forEntity) continue;
          setList(prev =>
            prev.value ? { ...prev, refreshError: asError(e) } : { error: asError(e) },
          );
        }
      } while (flight.again);
    } finally {
      flight.running = false;
    }
  }, [api, setExpanded]);

  useEffect(() => {
    setList({});
    setDetails({});
    setExpandedKeys(new Set());
    reloadList();
  }, [entityRef, reloadList]);

  const resync = () => {
    reloadList();
    current.current.expanded.forEach(key => {
      const ref = parseCanaryKey(key);
      if (ref) refreshCanary(ref);
    });
  };

  const live = useLiveRefresh({
    onCanaryChanged: ref => {
      const shown = current.current.list;
      if (!shown) return;
      const key = canaryKey(ref);
      if (shown.items.some(item => canaryKey(item) === key)) {
        refreshCanary(ref);
      } else if (!shown.searched.namespace || shown.searched.namespace === ref.namespace) {
        // Possibly a new canary of this entity: only the list can tell.
        reloadList();
      }
    },
    // The list carries cluster health, which no signal announces, and a signal sent while the socket was
    // reconnecting is lost: both the poll and the slower resync re-read the list and the open panels.
    onResync: resync,
    onPoll: resync,
  });

  return {
    ...list,
    loading: !list.value && !list.error,
    details,
    expanded,
    setExpanded,
    refresh,
    live,
  };
}
