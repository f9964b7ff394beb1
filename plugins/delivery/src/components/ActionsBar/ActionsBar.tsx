import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { CanaryAction, CanaryRef, canaryKey } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import { useState } from 'react';
import { deliveryApiRef } from '../../api';
import { describeError } from '../../format';

export interface ActionsBarProps {
  canary: CanaryRef;
  /** What the backend offers this user now; undefined or empty renders nothing. */
  actions?: CanaryAction[];
  /** Called after an action succeeded, to re-fetch the canary. */
  onDone?: () => void;
}

/**
 * Buttons for the actions the backend reports as allowed right now. The backend already filtered them by
 * permission and phase, so nothing here is a dead button; each asks for confirmation first.
 */
export function ActionsBar(props: ActionsBarProps) {
  const api = useApi(deliveryApiRef);
  const alertApi = useApi(alertApiRef);
  const [pending, setPending] = useState<CanaryAction | undefined>();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);

  if (!props.actions?.length) return null;
  const close = () => {
    setPending(undefined);
    setComment('');
  };

  const run = async (action: CanaryAction) => {
    setBusy(true);
    try {
      const { cluster, namespace, name } = props.canary;
      await api.performAction({ cluster, namespace, name }, { action: action.id, gate: action.gate, comment: comment || undefined });
      alertApi.post({ message: `${action.label}: done for ${canaryKey(props.canary)}`, severity: 'success', display: 'transient' });
      close();
      props.onDone?.();
    } catch (e) {
      alertApi.post({ message: `${action.label} failed: ${e instanceof Error ? describeError(e) : String(e)}`, severity: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box display="flex" gridGap={8} flexWrap="wrap" role="group" aria-label="canary actions">
      {props.actions.map(action => (
        <Button
          key={`${action.id}-${action.gate ?? ''}`}
          variant={action.destructive ? 'outlined' : 'contained'}
          color={action.destructive ? 'secondary' : 'primary'}
          size="small"
          onClick={() => setPending(action)}
        >
          {action.label}
        </Button>
      ))}
      <Dialog open={Boolean(pending)} onClose={busy ? undefined : close} aria-labelledby="delivery-action-title">
        {pending && (
          <>
            <DialogTitle id="delivery-action-title">{pending.label}</DialogTitle>
            <DialogContent>
              <DialogContentText>
                {pending.confirm ?? `${pending.label} ${canaryKey(props.canary)}${pending.gate ? ` at gate ${pending.gate}` : ''}?`}
              </DialogContentText>
              <TextField
                label="Comment (recorded in the history)"
                fullWidth
                value={comment}
                onChange={e => setComment(e.target.value)}
              />
            </DialogContent>
            <DialogActions>
              <Button onClick={close} disabled={busy}>
                Cancel
              </Button>
              <Button
                onClick={() => run(pending)}
                disabled={busy}
                color={pending.destructive ? 'secondary' : 'primary'}
                variant="contained"
              >
                {pending.label}
              </Button>
            </DialogActions>
          </>
        )}
      </Dialog>
    </Box>
  );
}
