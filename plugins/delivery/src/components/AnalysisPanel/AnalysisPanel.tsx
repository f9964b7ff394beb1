import { AnalysisCheck, CanaryDetails, GATE_WEBHOOK_TYPES, MetricSpecView } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemIcon from '@material-ui/core/ListItemIcon';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ErrorIcon from '@material-ui/icons/Error';
import {
  ControllerReport,
  checkFailureReason,
  checksOfRun,
  currentRun,
  formatAbsolute,
  latestHaltReport,
  metricUnit,
  thresholdText,
} from '../../format';
import { RelativeTime } from '../RelativeTime';
import { AnalysisChart } from '../AnalysisChart';

const useStyles = makeStyles(theme => ({
  failed: { color: theme.palette.status.error },
  report: { display: 'flex', alignItems: 'flex-start', gridGap: theme.spacing(0.5) },
  metric: { border: `1px solid ${theme.palette.divider}`, borderRadius: theme.shape.borderRadius, padding: theme.spacing(1) },
}));

function NoValues(props: { report?: ControllerReport; active: boolean }) {
  const classes = useStyles();
  const { report } = props;
  if (!report) {
    return (
      <Typography variant="body2">
        {props.active ? 'No values recorded in this run yet.' : 'No values were recorded for this run.'}
      </Typography>
    );
  }
  return (
    <Typography variant="body2" component="div" className={classes.report}>
      <ErrorIcon fontSize="small" className={classes.failed} aria-hidden />
      <span>
        Controller halted the rollout: <strong>{report.text}</strong>
        {report.count && report.count > 1 ? ` (×${report.count})` : ''}, <RelativeTime time={report.time} />
      </span>
    </Typography>
  );
}

function MetricBlock(props: { metric: MetricSpecView; checks: AnalysisCheck[]; report?: ControllerReport; active: boolean }) {
  const classes = useStyles();
  const { metric, checks } = props;
  const failed = checks.filter(c => !c.passed).length;
  const unit = metricUnit(metric);
  return (
    <section className={classes.metric} aria-label={`metric ${metric.name}`}>
      <Typography variant="subtitle2">{metric.name}</Typography>
      <Typography variant="body2" color="textSecondary">
        threshold {thresholdText(metric.thresholdMin, metric.thresholdMax, unit)} · every {metric.interval} ·{' '}
        {metric.source}
        {failed > 0 && <span className={classes.failed}> · {failed} failed</span>}
      </Typography>
      {checks.length === 0 ? (
        // Without recorded values (upstream Flagger records none) its Halt events still give the numbers.
        <NoValues report={props.report} active={props.active} />
      ) : (
        <AnalysisChart metric={metric} checks={checks} />
      )}
    </section>
  );
}

/** Each metric with its threshold and a chart of this run, then every failed check with its reason. */
export function AnalysisPanel(props: { canary: CanaryDetails }) {
  const classes = useStyles();
  const { canary } = props;
  if (canary.analysisSkipped) {
    return <Typography variant="body2">Analysis is skipped: new versions are promoted without checks.</Typography>;
  }
  const run = currentRun(canary.runs);
  const checks = checksOfRun(canary.checks, run);
  // A closed gate (or a rollback hook saying "no rollback") is waiting, not failing: the webhooks list shows it.
  const gateHooks = new Set(
    canary.webhooks.filter(w => (GATE_WEBHOOK_TYPES as string[]).includes(w.type)).map(w => w.name),
  );
  const failures = checks.filter(c => !c.passed && !(c.kind === 'webhook' && gateHooks.has(c.name))).reverse();
  const active = ['Progressing', 'Waiting', 'WaitingPromotion', 'Promoting', 'Finalising'].includes(canary.phase);
  const units = new Map(canary.metrics.map(m => [m.name, metricUnit(m)]));
  return (
    <Box>
      <Grid container spacing={2}>
        {canary.metrics.map(metric => (
          <Grid item xs={12} md={6} key={metric.name}>
            <MetricBlock
              metric={metric}
              checks={checks.filter(c => c.kind === 'metric' && c.name === metric.name)}
              report={latestHaltReport(metric, canary.events, run?.startedAt)}
              active={active}
            />
          </Grid>
        ))}
      </Grid>
      {canary.metrics.length === 0 && <Typography variant="body2">No metrics are configured.</Typography>}
      {failures.length > 0 && (
        <Box mt={2}>
          <Typography variant="subtitle2">Failed checks in this run</Typography>
          <List dense aria-label="failed checks">
            {failures.map((c, i) => (
              <ListItem key={`${c.time}-${c.name}-${i}`}>
                <ListItemIcon>
                  <ErrorIcon className={classes.failed} aria-hidden />
                </ListItemIcon>
                <ListItemText
                  primary={`${c.name}: ${checkFailureReason(c, units.get(c.name))}`}
                  secondary={`${c.kind} check at ${formatAbsolute(c.time)}`}
                />
              </ListItem>
            ))}
          </List>
        </Box>
      )}
    </Box>
  );
}
