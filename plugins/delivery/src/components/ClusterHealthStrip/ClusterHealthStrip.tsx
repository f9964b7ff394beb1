import { ClusterHealth, ClusterState } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Tooltip from '@material-ui/core/Tooltip';
import { makeStyles } from '@material-ui/core/styles';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import CloudOffIcon from '@material-ui/icons/CloudOff';
import HelpIcon from '@material-ui/icons/Help';
import LockIcon from '@material-ui/icons/Lock';
import RemoveCircleOutlineIcon from '@material-ui/icons/RemoveCircleOutline';
import UpdateIcon from '@material-ui/icons/Update';

const STATE: Record<ClusterState, { label: string; icon: typeof HelpIcon; tone: 'ok' | 'warning' | 'error' | 'pending' }> = {
  synced: { label: 'synced', icon: CheckCircleIcon, tone: 'ok' },
  stale: { label: 'stale', icon: UpdateIcon, tone: 'warning' },
  unreachable: { label: 'unreachable', icon: CloudOffIcon, tone: 'error' },
  unauthorized: { label: 'unauthorized', icon: LockIcon, tone: 'error' },
  'not-installed': { label: 'no Canary CRD', icon: RemoveCircleOutlineIcon, tone: 'pending' },
  pending: { label: 'connecting', icon: HelpIcon, tone: 'pending' },
};

const useStyles = makeStyles(theme => ({
  ok: { color: theme.palette.status.ok },
  warning: { color: theme.palette.status.warning },
  error: { color: theme.palette.status.error },
  pending: { color: theme.palette.status.pending },
}));

/** One chip per cluster: state in words and icon, canary count, the reason on hover; pressing filters by it. */
export function ClusterHealthStrip(props: {
  clusters: ClusterHealth[];
  selected: string[];
  onToggle(cluster: string): void;
}) {
  const classes = useStyles();
  return (
    <Box display="flex" flexWrap="wrap" gridGap={8} role="group" aria-label="cluster health">
      {props.clusters.map(c => {
        const s = STATE[c.state] ?? STATE.pending;
        const Icon = s.icon;
        const on = props.selected.includes(c.name);
        return (
          <Tooltip key={c.name} title={c.message ?? `${c.controller} controller`}>
            <Chip
              icon={<Icon className={classes[s.tone]} aria-hidden />}
              label={`${c.name}: ${s.label} (${c.canaryCount})`}
              variant={on ? 'default' : 'outlined'}
              color={on ? 'primary' : 'default'}
              aria-pressed={on}
              onClick={() => props.onToggle(c.name)}
            />
          </Tooltip>
        );
      })}
    </Box>
  );
}
