import {
  Content,
  ContentHeader,
  Header,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { FleetQuery } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Paper from '@material-ui/core/Paper';
import Typography from '@material-ui/core/Typography';
import { useCallback, useMemo, useRef } from 'react';
import { useSearchParams } from 'react-router-dom';
import { describeError } from '../../format';
import { useFleet } from '../../hooks/useFleet';
import { ClusterHealthStrip } from '../ClusterHealthStrip';
import { FleetFilters } from '../FleetFilters';
import { FleetTable } from '../FleetTable';
import { PhaseCounts } from '../PhaseCounts';
import { paramsFromQuery, queryFromParams, toggle, withFilter } from './fleetQuery';

/** Filters keep the first page; paging and sorting keep their own offset. */
function applyChange(query: FleetQuery, change: Partial<FleetQuery>): FleetQuery {
  const paging = Object.keys(change).every(k => k === 'offset' || k === 'limit' || k === 'sort' || k === 'order');
  return paging ? { ...query, ...change } : withFilter(query, change);
}

/** The fleet page: every canary the user may see, with what needs attention one switch away. */
export function DeliveryPage() {
  const [params, setParams] = useSearchParams();
  const paramsText = params.toString();
  // Memoised on the URL text, so the data hook sees a new query only when the URL really changed.
  const query = useMemo(() => queryFromParams(new URLSearchParams(paramsText)), [paramsText]);
  const fleet = useFleet(query);

  const latest = useRef(query);
  latest.current = query;
  const change = useCallback(
    (delta: Partial<FleetQuery>) => setParams(paramsFromQuery(applyChange(latest.current, delta)), { replace: true }),
    [setParams],
  );

  // Namespaces the user has seen stay offered in the filter even when the current page does not show them.
  const seenNamespaces = useRef(new Set<string>());
  fleet.value?.items.forEach(c => seenNamespaces.current.add(c.namespace));
  const clusters = fleet.value?.clusters ?? [];

  return (
    <Page themeId="tool">
      <Header title="Delivery" subtitle="Progressive delivery across the fleet" />
      <Content>
        <ContentHeader title="Rollouts">
          <Typography variant="caption" color="textSecondary">
            {fleet.live.mode === 'signals' ? 'Updates live' : `Refreshes every ${fleet.live.pollIntervalSeconds} s`}
          </Typography>
        </ContentHeader>
        {fleet.loading && <Progress />}
        {fleet.error && !fleet.value && <ResponseErrorPanel error={fleet.error} />}
        {fleet.value && (
          <Box display="flex" flexDirection="column" gridGap={16}>
            <ClusterHealthStrip
              clusters={clusters}
              selected={query.cluster ?? []}
              onToggle={c => change({ cluster: toggle(query.cluster, c) })}
            />
            <PhaseCounts
              counts={fleet.value.phaseCounts}
              selected={query.phase ?? []}
              onToggle={p => change({ phase: toggle(query.phase, p) })}
            />
            <FleetFilters
              query={query}
              clusters={clusters.map(c => c.name)}
              namespaces={[...seenNamespaces.current].sort()}
              onChange={change}
            />
            {fleet.refreshError && (
              <Typography variant="caption" color="error" role="status">
                Could not refresh ({describeError(fleet.refreshError)}); showing the last data received.
              </Typography>
            )}
            <Paper variant="outlined">
              <FleetTable items={fleet.value.items} total={fleet.value.total} query={query} onChange={change} />
            </Paper>
          </Box>
        )}
      </Content>
    </Page>
  );
}
