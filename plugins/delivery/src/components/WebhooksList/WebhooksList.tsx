import { WebhookView } from '@delivery/plugin-delivery-common';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { StatusError, StatusOK, StatusPending } from '@backstage/core-components';
import { GATE_WEBHOOK_TYPES, WebhookType } from '@delivery/plugin-delivery-common';
import { RelativeTime } from '../RelativeTime';

function LastResult({ result }: { result: WebhookView['lastResult'] }) {
  if (!result) return <StatusPending>not called in this run</StatusPending>;
  const text = (
    <>
      {result.passed ? 'passed' : 'failed'} <RelativeTime time={result.time} />
      {result.message ? `: ${result.message}` : ''}
    </>
  );
  return result.passed ? <StatusOK>{text}</StatusOK> : <StatusError>{text}</StatusError>;
}

/** Webhooks and gates with where they call (host only: paths and queries may carry tokens) and the last answer. */
export function WebhooksList(props: { webhooks: WebhookView[] }) {
  if (props.webhooks.length === 0) {
    return <Typography variant="body2">No webhooks or gates.</Typography>;
  }
  return (
    <Table size="small" aria-label="webhooks and gates">
      <TableHead>
        <TableRow>
          <TableCell>Name</TableCell>
          <TableCell>Type</TableCell>
          <TableCell>Host</TableCell>
          <TableCell>Last result</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.webhooks.map(hook => (
          <TableRow key={hook.name}>
            <TableCell component="th" scope="row">
              {hook.name}
            </TableCell>
            <TableCell>
              {hook.type}
              {GATE_WEBHOOK_TYPES.includes(hook.type as WebhookType) ? ' (gate)' : ''}
            </TableCell>
            <TableCell>{hook.host}</TableCell>
            <TableCell>
              <LastResult result={hook.lastResult} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
