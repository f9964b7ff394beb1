import { CanaryEvent, RolloutRun } from '@delivery/plugin-delivery-common';
import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import WarningIcon from '@material-ui/icons/Warning';
import { useMemo, useState } from 'react';
import { RelativeTime } from '../RelativeTime';
import { useTableStyles } from '../tableStyles';
import { mergeTimeline } from './mergeTimeline';

const INITIAL_ROWS = 15;

const useStyles = makeStyles(theme => ({
  warning: { color: theme.palette.status.warning, verticalAlign: 'middle', marginRight: theme.spacing(0.5) },
  muted: { '& td': { color: theme.palette.text.secondary } },
}));

/** One timeline of what happened to the canary, newest first; long histories fold after the first rows. */
export function EventsTimeline(props: { events: CanaryEvent[]; runs: RolloutRun[] }) {
  const classes = { ...useStyles(), ...useTableStyles() };
  const [showAll, setShowAll] = useState(false);
  const entries = useMemo(() => mergeTimeline(props.events, props.runs), [props.events, props.runs]);
  if (entries.length === 0) {
    return <Typography variant="body2">No events recorded.</Typography>;
  }
  const shown = showAll ? entries : entries.slice(0, INITIAL_ROWS);
  return (
    <>
      <Table size="small" aria-label="events timeline" className={classes.table}>
        <TableHead>
          <TableRow>
            <TableCell>Time</TableCell>
            <TableCell>Reason</TableCell>
            <TableCell>Message</TableCell>
            <TableCell>Source</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {shown.map((e, i) => (
            <TableRow key={`${e.time}-${e.reason}-${i}`} className={e.muted ? classes.muted : undefined}>
              <TableCell className={classes.nowrap}>
                <RelativeTime time={e.time} />
              </TableCell>
              <TableCell className={classes.nowrap}>
                {e.type === 'Warning' && <WarningIcon fontSize="small" className={classes.warning} aria-label="warning" />}
                {e.reason}
              </TableCell>
              <TableCell>
                {e.message}
                {e.count && e.count > 1 ? ` (×${e.count})` : ''}
              </TableCell>
              <TableCell>{e.source}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {entries.length > INITIAL_ROWS && (
        <Button size="small" onClick={() => setShowAll(v => !v)}>
          {showAll ? 'Show fewer' : `Show all ${entries.length} entries`}
        </Button>
      )}
    </>
  );
}
