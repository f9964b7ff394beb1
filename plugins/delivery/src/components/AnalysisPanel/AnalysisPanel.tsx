import { AnalysisCheck, CanaryDetails, MetricSpecView } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemIcon from '@material-ui/core/ListItemIcon';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ErrorIcon from '@material-ui/icons/Error';
import { checkFailureReason, checksOfRun, currentRun, formatAbsolute, thresholdText } from '../../format';
import { AnalysisChart } from '../AnalysisChart';

const useStyles = makeStyles(theme => ({
  failed: { color: theme.palette.status.error },
  metric: { border: `1px solid ${theme.palette.divider}`, borderRadius: theme.shape.borderRadius, padding: theme.spacing(1) },
}));

function MetricBlock(props: { metric: MetricSpecView; checks: AnalysisCheck[] }) {
  const classes = useStyles();
  const { metric, checks } = props;
  const failed = checks.filter(c => !c.passed).length;
  return (
    <section className={classes.metric} aria-label={`metric ${metric.name}`}>
      <Typography variant="subtitle2">{metric.name}</Typography>
      <Typography variant="body2" color="textSecondary">
        threshold {thresholdText(metric.thresholdMin, metric.thresholdMax)} · every {metric.interval} · {metric.source}
        {failed > 0 && <span className={classes.failed}> · {failed} failed</span>}
      </Typography>
      {checks.length === 0 ? (
        <Typography variant="body2">No values recorded in this run yet.</Typography>
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
  const checks = checksOfRun(canary.checks, currentRun(canary.runs));
  const failures = checks.filter(c => !c.passed).reverse();
  return (
    <Box>
      <Grid container spacing={2}>
        {canary.metrics.map(metric => (
          <Grid item xs={12} md={6} key={metric.name}>
            <MetricBlock metric={metric} checks={checks.filter(c => c.kind === 'metric' && c.name === metric.name)} />
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
                  primary={`${c.name}: ${checkFailureReason(c)}`}
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
