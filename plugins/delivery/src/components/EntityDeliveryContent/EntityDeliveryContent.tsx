import { stringifyEntityRef } from '@backstage/catalog-model';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { MissingAnnotationEmptyState, useEntity } from '@backstage/plugin-catalog-react';
import {
  KUBERNETES_ID_ANNOTATION,
  canaryKey,
  isDeliveryAvailable,
} from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { describeError } from '../../format';
import { useEntityDelivery } from '../../hooks/useEntityDelivery';
import { CanaryCard } from '../CanaryCard';
import { ClusterBanners } from '../ClusterBanners';
import { DeliveryNotInstalled, NoCanariesFound } from '../EmptyStates';

function DeliveryTab(props: { entityRef: string }) {
  const state = useEntityDelivery(props.entityRef);
  const { value } = state;
  if (state.loading) return <Progress />;
  if (!value) return <ResponseErrorPanel error={state.error ?? new Error('No answer from the Delivery backend')} />;
  if (value.notInstalled) return <DeliveryNotInstalled searched={value.searched} />;

  const dashboards = new Map(value.clusters.map(c => [c.name, c.dashboardUrl]));
  return (
    <Box>
      <ClusterBanners clusters={value.clusters} />
      {state.refreshError && (
        <Typography variant="caption" color="error" role="status" component="p">
          Could not refresh ({describeError(state.refreshError)}); showing the last data received.
        </Typography>
      )}
      {value.items.length === 0 ? (
        <NoCanariesFound searched={value.searched} />
      ) : (
        <Box display="flex" flexDirection="column" gridGap={24}>
          {value.items.map(canary => {
            const key = canaryKey(canary);
            return (
              <CanaryCard
                key={key}
                canary={canary}
                details={state.details[key]}
                expanded={state.expanded.has(key)}
                onExpandedChange={state.setExpanded}
                onRefresh={state.refresh}
                clusterDashboardUrl={dashboards.get(canary.cluster)}
                entityRef={props.entityRef}
              />
            );
          })}
        </Box>
      )}
      <Typography variant="caption" color="textSecondary" component="p">
        {state.live.mode === 'signals'
          ? 'Updates live.'
          : `Refreshes every ${state.live.pollIntervalSeconds} seconds.`}
      </Typography>
    </Box>
  );
}

/** The Delivery tab: one card per canary of the entity, across every cluster and namespace. */
export function EntityDeliveryContent() {
  const { entity } = useEntity();
  if (!isDeliveryAvailable(entity)) {
    return <MissingAnnotationEmptyState annotation={KUBERNETES_ID_ANNOTATION} />;
  }
  return <DeliveryTab entityRef={stringifyEntityRef(entity)} />;
}
