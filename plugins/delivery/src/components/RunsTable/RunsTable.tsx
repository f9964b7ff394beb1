import { StatusAborted, StatusError, StatusOK, StatusRunning, StatusWarning } from '@backstage/core-components';
import { RolloutRun, RunOutcome } from '@delivery/plugin-delivery-common';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { ReactNode } from 'react';
import { formatDuration } from '../../format';
import { RelativeTime } from '../RelativeTime';
import { RunActors } from '../RunActors';
import { useTableStyles } from '../tableStyles';

const OUTCOME: Record<RunOutcome, (children: ReactNode) => JSX.Element> = {
  running: c => <StatusRunning>{c}</StatusRunning>,
  succeeded: c => <StatusOK>{c}</StatusOK>,
  failed: c => <StatusError>{c}</StatusError>,
  aborted: c => <StatusAborted>{c}</StatusAborted>,
  superseded: c => <StatusWarning>{c}</StatusWarning>,
};

/** Tag (or digest) of each image; the registry path is the same for every run of a canary. */
function versionOf(run: RolloutRun): string {
  const tags = run.canaryImages.map(image => image.slice(image.lastIndexOf('/') + 1));
  return tags.join(', ') || run.revision || '—';
}

/** Past runs: how each ended, which version, how long it took and who stepped in (or tried to). */
export function RunsTable(props: { runs: RolloutRun[]; now?: number }) {
  const classes = useTableStyles();
  if (props.runs.length === 0) {
    return <Typography variant="body2">No runs recorded yet.</Typography>;
  }
  const now = props.now ?? Date.now();
  return (
    <Table size="small" aria-label="past runs" className={classes.table}>
      <TableHead>
        <TableRow>
          <TableCell className={classes.nowrap}>Outcome</TableCell>
          <TableCell className={classes.nowrap}>Version</TableCell>
          <TableCell className={classes.nowrap}>Started</TableCell>
          <TableCell className={classes.nowrap}>Duration</TableCell>
          <TableCell className={classes.nowrap}>People</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.runs.map(run => (
          <TableRow key={run.id}>
            <TableCell>
              {OUTCOME[run.outcome](run.outcome)}
              {run.reason && <Typography variant="caption" display="block">{run.reason}</Typography>}
            </TableCell>
            <TableCell>{versionOf(run)}</TableCell>
            <TableCell className={classes.nowrap}>
              <RelativeTime time={run.startedAt} now={now} />
            </TableCell>
            <TableCell>
              {formatDuration((run.endedAt ? Date.parse(run.endedAt) : now) - Date.parse(run.startedAt))}
              {run.endedAt ? '' : ' so far'}
            </TableCell>
            <TableCell>
              <RunActors actors={run.actors} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
