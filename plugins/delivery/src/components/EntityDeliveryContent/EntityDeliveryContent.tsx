import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  Content,
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { MissingAnnotationEmptyState, useEntity } from '@backstage/plugin-catalog-react';
import {
  CanarySummary,
  KUBERNETES_ID_ANNOTATION,
  isDeliveryAvailable,
} from '@delivery/plugin-delivery-common';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import { deliveryApiRef } from '../../api';

export function PhaseStatus({ phase }: { phase: string }) {
  switch (phase) {
    case 'Succeeded':
    case 'Initialized':
      return <StatusOK>{phase}</StatusOK>;
    case 'Failed':
      return <StatusError>{phase}</StatusError>;
    case 'Waiting':
    case 'WaitingPromotion':
      return <StatusWarning>{phase}</StatusWarning>;
    case 'Progressing':
    case 'Promoting':
    case 'Finalising':
      return <StatusRunning>{phase}</StatusRunning>;
    default:
      return <StatusPending>{phase || 'Unknown'}</StatusPending>;
  }
}

function CanaryCard({ canary }: { canary: CanarySummary }) {
  return (
    <InfoCard title={`${canary.name}`} subheader={`${canary.cluster} / ${canary.namespace}`}>
      <Typography variant="body2" component="div">
        <PhaseStatus phase={canary.phase} /> weight {canary.canaryWeight}%
      </Typography>
      <Typography variant="body2">Primary: {canary.primaryImages.join(', ') || '—'}</Typography>
      <Typography variant="body2">Canary: {canary.canaryImages.join(', ') || '—'}</Typography>
      {canary.message && <Typography variant="caption">{canary.message}</Typography>}
    </InfoCard>
  );
}

/** The Delivery tab: one card per canary of the entity, across every cluster and namespace. */
export function EntityDeliveryContent() {
  const { entity } = useEntity();
  const api = useApi(deliveryApiRef);
  const available = isDeliveryAvailable(entity);
  const entityRef = stringifyEntityRef(entity);
  const { value, loading, error } = useAsync(
    async () => (available ? api.getEntityCanaries(entityRef) : undefined),
    [api, entityRef, available],
  );

  if (!available) {
    return <MissingAnnotationEmptyState annotation={KUBERNETES_ID_ANNOTATION} />;
  }
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value || value.items.length === 0) {
    return (
      <EmptyState
        missing="data"
        title="No canaries found"
        description={
          value
            ? `Searched clusters ${value.searched.clusters.join(', ') || '(none configured)'} for workloads matching ${value.searched.selector}.`
            : 'No data.'
        }
      />
    );
  }
  return (
    <Content noPadding>
      <Grid container spacing={3}>
        {value.items.map(c => (
          <Grid item xs={12} key={`${c.cluster}/${c.namespace}/${c.name}`}>
            <CanaryCard canary={c} />
          </Grid>
        ))}
      </Grid>
    </Content>
  );
}
