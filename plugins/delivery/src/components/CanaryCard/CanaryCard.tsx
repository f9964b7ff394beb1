import { CanarySummary, canaryKey } from '@delivery/plugin-delivery-common';
import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import Card from '@material-ui/core/Card';
import CardContent from '@material-ui/core/CardContent';
import CardHeader from '@material-ui/core/CardHeader';
import Grid from '@material-ui/core/Grid';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import { ReactNode, memo } from 'react';
import { isPromoting, progressText, restingText, usesIterations } from '../../format';
import { DetailsState } from '../../hooks/useEntityDelivery';
import { CanaryDetailsPanel } from '../CanaryDetailsPanel';
import { ImageName } from '../ImageName';
import { PhaseChip } from '../PhaseChip';
import { RelativeTime } from '../RelativeTime';
import { StrategyBadge } from '../StrategyBadge';
import { WeightBar } from '../WeightBar';

const useStyles = makeStyles(theme => ({
  label: { color: theme.palette.text.secondary, display: 'block' },
  changed: { fontWeight: theme.typography.fontWeightBold as number },
}));

function Field(props: { label: string; children: ReactNode; xs?: 12 | 6 | 4 | 3 }) {
  const classes = useStyles();
  return (
    <Grid item xs={12} sm={props.xs ?? 6} md={props.xs === 12 ? 12 : 3}>
      <Typography variant="caption" className={classes.label}>
        {props.label}
      </Typography>
      <Typography variant="body2" component="div">
        {props.children}
      </Typography>
    </Grid>
  );
}

function ProgressBar({ canary }: { canary: CanarySummary }) {
  if (canary.analysisSkipped) return <>promoted without analysis</>;
  const text = progressText(canary) ?? restingText(canary);
  if (usesIterations(canary.strategy)) {
    const total = canary.totalIterations ?? 0;
    let value = total > 0 ? Math.min(100, (canary.iterations / total) * 100) : 0;
    if (isPromoting(canary)) value = 100;
    return (
      <>
        <LinearProgress variant="determinate" value={value} aria-label="iterations" aria-valuetext={text} />
        {text}
      </>
    );
  }
  return (
    <>
      <WeightBar label="canary weight" canaryWeight={canary.canaryWeight} />
      {text}
    </>
  );
}

export interface CanaryCardProps {
  canary: CanarySummary;
  details?: DetailsState;
  expanded: boolean;
  onExpandedChange(key: string, open: boolean): void;
  onRefresh(key: string): void;
  clusterDashboardUrl?: string;
  /** The entity page showing the card; actions name it (a canary may belong to several entities). */
  entityRef?: string;
}

/**
 * One canary: a summary that is always visible and a details panel that loads when opened. Memoised and keyed by
 * canary, so a refresh re-renders only cards whose data changed.
 */
export const CanaryCard = memo(function CanaryCardView(props: CanaryCardProps) {
  const classes = useStyles();
  const { canary } = props;
  const key = canaryKey(canary);
  const differs = canary.canaryImages.join() !== canary.primaryImages.join();
  return (
    <Card component="article" aria-label={`canary ${key}`} variant="outlined">
      <CardHeader
        title={
          <Typography variant="h6" component="h3">
            {canary.name}
          </Typography>
        }
        subheader={`${canary.cluster} · ${canary.namespace} · ${canary.targetKind} ${canary.targetName}`}
        action={<PhaseChip phase={canary.phase} size="medium" />}
      />
      <CardContent>
        <Grid container spacing={2}>
          <Field label="Cluster">{canary.cluster}</Field>
          <Field label="Namespace">{canary.namespace}</Field>
          <Field label="Strategy">
            <StrategyBadge canary={canary} />
          </Field>
          <Field label="Last transition">
            <RelativeTime time={canary.lastTransitionTime} />
          </Field>
          <Field label="Promoted (primary) image">
            <ImageName images={canary.primaryImages} />
          </Field>
          <Field label="Canary image">
            <ImageName images={canary.canaryImages} className={differs ? classes.changed : undefined} />
            {differs ? '' : ' (same as primary)'}
          </Field>
          <Field label="Progress" xs={6}>
            <ProgressBar canary={canary} />
          </Field>
          {canary.message && (
            <Field label="Controller message" xs={12}>
              {canary.message}
            </Field>
          )}
        </Grid>
      </CardContent>
      <Accordion
        expanded={props.expanded}
        onChange={(_, open) => props.onExpandedChange(key, open)}
        TransitionProps={{ unmountOnExit: true }}
        elevation={0}
      >
        <AccordionSummary expandIcon={<ExpandMoreIcon />} aria-controls={`details-${key}`} id={`summary-${key}`}>
          <Typography>Details</Typography>
        </AccordionSummary>
        <AccordionDetails id={`details-${key}`}>
          <Box width="100%">
            <CanaryDetailsPanel
              state={props.details}
              clusterDashboardUrl={props.clusterDashboardUrl}
              onActionDone={() => props.onRefresh(key)}
              entityRef={props.entityRef}
            />
          </Box>
        </AccordionDetails>
      </Accordion>
    </Card>
  );
});
