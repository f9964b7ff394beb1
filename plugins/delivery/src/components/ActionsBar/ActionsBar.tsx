import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  CanaryAction,
  CanaryPhase,
  CanaryRef,
  canaryKey,
  deliveryCanaryApprovePermission,
  deliveryCanaryOperatePermission,
} from '@delivery/plugin-delivery-common';
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

/** Actions decided by `delivery.canary.approve`; every other action needs `delivery.canary.operate`. */
const APPROVAL_ACTIONS = new Set(['approve', 'reject']);

export interface ActionsBarProps {
  /** The canary as the user sees it: its phase and resourceVersion go with the action so stale clicks are refused. */
  canary: CanaryRef & { phase?: CanaryPhase; resourceVersion?: string; status?: { lastAppliedSpec?: string } };
  /** The entity page the bar is shown on, recorded with the action. */
  entityRef?: string;
  /** What the backend offers this user now; undefined or empty renders nothing. */
  actions?: CanaryAction[];
  /** Called after an action succeeded, to re-fetch the canary. */
  onDone?: () => void;
}

/**
 * Buttons for the actions the backend reports as possible right now, shown only when the permission framework
 * allows them for this canary (the backend enforces the same permissions; this keeps the UI honest while a policy
 * change has not reached the details yet). Each asks for confirmation first.
 */
export function ActionsBar(props: ActionsBarProps) {
  const api = useApi(deliveryApiRef);
  const alertApi = useApi(alertApiRef);
  const [pending, setPending] = useState<CanaryAction | undefined>();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const resourceRef = canaryKey(props.canary);
  const approve = usePermission({ permission: deliveryCanaryApprovePermission, resourceRef });
  const operate = usePermission({ permission: deliveryCanaryOperatePermission, resourceRef });

  const permitted = (props.actions ?? []).filter(a => (APPROVAL_ACTIONS.has(a.id) ? approve.allowed : operate.allowed));
  if (!permitted.length) return null;
  const close = () => {
    setPending(undefined);
    setComment('');
  };

  const run = async (action: CanaryAction) => {
    setBusy(true);
    try {
      const { cluster, namespace, name, phase, resourceVersion, status } = props.canary;
      await api.performAction(
        { cluster, namespace, name },
        {
          action: action.id,
          gate: action.gate,
          comment: comment || undefined,
          observedPhase: phase,
          observedResourceVersion: resourceVersion,
          observedRevision: status?.lastAppliedSpec,
          entityRef: props.entityRef,
        },
      );
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
      {permitted.map(action => (
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
                id="delivery-action-comment"
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
