import { TrafficBackend, TrafficSplit as TrafficSplitView } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { RelativeTime } from '../RelativeTime';
import { WeightBar } from '../WeightBar';
import { useTableStyles } from '../tableStyles';

function measured(value: number | undefined, render: (v: number) => string) {
  return value === undefined ? <span title="not measured">—</span> : render(value);
}

function BackendRow({ backend }: { backend: TrafficBackend }) {
  return (
    <TableRow>
      <TableCell component="th" scope="row">
        {backend.role} <Typography variant="caption">({backend.name})</Typography>
      </TableCell>
      <TableCell align="right">{backend.configuredWeight}%</TableCell>
      <TableCell align="right">{measured(backend.requestRate, v => `${v.toFixed(1)} req/s`)}</TableCell>
      <TableCell align="right">{measured(backend.successRate, v => `${v.toFixed(2)}%`)}</TableCell>
      <TableCell align="right">{measured(backend.latencyP99Ms, v => `${Math.round(v)} ms`)}</TableCell>
    </TableRow>
  );
}

function observedNothing(traffic: TrafficSplitView): boolean {
  return traffic.backends.every(
    b => b.requestRate === undefined && b.successRate === undefined && b.latencyP99Ms === undefined,
  );
}

/** Configured weights on the router object next to what Prometheus observes for each backend. */
export function TrafficSplit(props: { traffic?: TrafficSplitView }) {
  const tableClasses = useTableStyles();
  const { traffic } = props;
  if (!traffic) {
    return <Typography variant="body2">The router has not reported weights yet.</Typography>;
  }
  const canary = traffic.backends.find(b => b.role === 'canary')?.configuredWeight ?? 0;
  return (
    <Box display="flex" flexDirection="column" gridGap={8}>
      <Typography variant="body2">
        {traffic.routerKind}
        {traffic.routerName ? ` ${traffic.routerName}` : ''}
        {traffic.matches.length > 0 ? ', weights apply to matching requests only' : ''}
      </Typography>
      <WeightBar label="router weights" canaryWeight={canary} mirrored={traffic.mirrored} />
      {traffic.mirrored && (
        <Typography variant="body2">
          Mirroring: the canary receives a copy of the primary's requests; its responses are discarded.
        </Typography>
      )}
      {traffic.matches.length > 0 && (
        <Box>
          <Typography variant="body2">Requests routed to the canary when they match:</Typography>
          <ul aria-label="traffic matches">
            {traffic.matches.map(m => (
              <li key={m}>
                <code>{m}</code>
              </li>
            ))}
          </ul>
        </Box>
      )}
      <Table size="small" aria-label="observed traffic" className={tableClasses.table}>
        <TableHead>
          <TableRow>
            <TableCell>Backend</TableCell>
            <TableCell align="right">Weight</TableCell>
            <TableCell align="right">Request rate</TableCell>
            <TableCell align="right">Success rate</TableCell>
            <TableCell align="right">p99 latency</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {traffic.backends.map(b => (
            <BackendRow key={b.name} backend={b} />
          ))}
        </TableBody>
      </Table>
      {traffic.observedError && (
        <Typography variant="caption" color="textSecondary">
          {observedNothing(traffic) ? 'Could not measure traffic' : 'Some observed values are missing'}:{' '}
          {traffic.observedError}
        </Typography>
      )}
      {traffic.observedAt && (
        <Typography variant="caption" color="textSecondary">
          Observed <RelativeTime time={traffic.observedAt} />
        </Typography>
      )}
    </Box>
  );
}
