import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { CanaryDetails } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import OpenInNewIcon from '@material-ui/icons/OpenInNew';
import { ReactNode } from 'react';
import { describeError } from '../../format';
import { DetailsState } from '../../hooks/useEntityDelivery';
import { ActionsBar } from '../ActionsBar';
import { AnalysisPanel } from '../AnalysisPanel';
import { EventsTimeline } from '../EventsTimeline';
import { GeneratedObjects } from '../GeneratedObjects';
import { RunsTable } from '../RunsTable';
import { StepsProgress } from '../StepsProgress';
import { TrafficSplit } from '../TrafficSplit';
import { WebhooksList } from '../WebhooksList';

function Section(props: { title: string; children: ReactNode }) {
  return (
    <Box component="section" aria-label={props.title} mb={3}>
      <Typography variant="h6" component="h4" gutterBottom>
        {props.title}
      </Typography>
      {props.children}
    </Box>
  );
}

function Links(props: { canary: CanaryDetails; clusterDashboardUrl?: string }) {
  const links = [...props.canary.links];
  if (props.clusterDashboardUrl) links.push({ title: 'Cluster dashboard', url: props.clusterDashboardUrl });
  if (links.length === 0) return null;
  return (
    <Box display="flex" gridGap={8} flexWrap="wrap" mb={2}>
      {links.map(l => (
        <Button key={l.url} size="small" variant="outlined" href={l.url} target="_blank" rel="noopener" endIcon={<OpenInNewIcon />}>
          {l.title}
        </Button>
      ))}
    </Box>
  );
}

export interface CanaryDetailsPanelProps {
  state?: DetailsState;
  clusterDashboardUrl?: string;
  onActionDone?: () => void;
  /** The entity page the panel is on, sent with actions so the audit and the catalog check use that entity. */
  entityRef?: string;
}

/**
 * Everything about one canary, loaded when its card opens. Once loaded it stays on screen while refreshes run;
 * a failed refresh is reported under the data instead of replacing it.
 */
export function CanaryDetailsPanel(props: CanaryDetailsPanelProps) {
  const { state } = props;
  const canary = state?.value;
  if (!canary) {
    if (state?.error) return <ResponseErrorPanel error={state.error} />;
    return <Progress aria-label="loading canary details" />;
  }
  return (
    <Box width="100%">
      {state?.error && (
        <Typography variant="caption" color="error" role="status">
          Could not refresh these details ({describeError(state.error)}); showing the last data received.
        </Typography>
      )}
      <ActionsBar canary={canary} entityRef={props.entityRef} actions={canary.actions} onDone={props.onActionDone} />
      <Links canary={canary} clusterDashboardUrl={props.clusterDashboardUrl} />
      <Section title="Progress">
        <StepsProgress canary={canary} />
      </Section>
      <Section title="Traffic">
        <TrafficSplit traffic={canary.traffic} />
      </Section>
      <Section title="Analysis">
        <AnalysisPanel canary={canary} />
      </Section>
      <Section title="Webhooks and gates">
        <WebhooksList webhooks={canary.webhooks} />
      </Section>
      <Section title="Events">
        <EventsTimeline events={canary.events} runs={canary.runs} />
      </Section>
      {/* Two tables side by side only where each still gets room for its columns. */}
      <Grid container spacing={2}>
        <Grid item xs={12} xl={7}>
          <Section title="Past runs">
            <RunsTable runs={canary.runs} />
          </Section>
        </Grid>
        <Grid item xs={12} xl={5}>
          <Section title="Generated objects">
            <GeneratedObjects objects={canary.generatedObjects} yaml={canary.yaml} name={canary.name} />
          </Section>
        </Grid>
      </Grid>
    </Box>
  );
}
