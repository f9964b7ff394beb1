import { EmptyState, Link } from '@backstage/core-components';
import { configApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityCanaries } from '@delivery/plugin-delivery-common';
import Typography from '@material-ui/core/Typography';

export const DEFAULT_INSTALL_GUIDE_URL = 'https://docs.flagger.app/install/flagger-install-on-kubernetes';

/** Nothing matched: say exactly where we looked, so the reader can fix the annotation or the labels. */
export function NoCanariesFound(props: { searched: EntityCanaries['searched'] }) {
  const { clusters, selector, namespace } = props.searched;
  return (
    <EmptyState
      missing="data"
      title="No canaries found for this entity"
      description={
        <>
          <Typography variant="body1" component="span" display="block">
            Searched {clusters.length ? `clusters ${clusters.join(', ')}` : 'no clusters (none are configured)'} for
            canaries whose target matches <code>{selector}</code>
            {namespace ? (
              <>
                {' '}
                in namespace <code>{namespace}</code>
              </>
            ) : (
              ' in every namespace'
            )}
            .
          </Typography>
          <Typography variant="body2" component="span" display="block">
            Add a Canary for the workload, or check that the workload carries the labels the selector expects.
          </Typography>
        </>
      }
    />
  );
}

/** No cluster serves the Canary CRD: onboarding rather than an error. */
export function DeliveryNotInstalled(props: { searched: EntityCanaries['searched'] }) {
  const config = useApi(configApiRef);
  const guide = config.getOptionalString('delivery.installGuideUrl') ?? DEFAULT_INSTALL_GUIDE_URL;
  return (
    <EmptyState
      missing="info"
      title="Progressive delivery is not set up on these clusters"
      description={
        <>
          <Typography variant="body1" component="span" display="block">
            None of the clusters ({props.searched.clusters.join(', ') || 'none configured'}) serves the Canary
            resource (<code>canaries.flagger.app</code>). Install the CRD with either Flagger or the Delivery
            controller, then add a Canary next to the service’s Deployment.
          </Typography>
          <Typography variant="body2" component="span" display="block">
            <Link to={guide}>Read the installation guide</Link> — the plugin’s README (plugins/delivery/README.md)
            explains how to enable the Delivery controller instead of Flagger.
          </Typography>
        </>
      }
    />
  );
}
