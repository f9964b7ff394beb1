import { CanaryPhase } from '@delivery/plugin-delivery-common';
import Chip from '@material-ui/core/Chip';
import Tooltip from '@material-ui/core/Tooltip';
import { makeStyles } from '@material-ui/core/styles';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import ErrorIcon from '@material-ui/icons/Error';
import PauseCircleFilledIcon from '@material-ui/icons/PauseCircleFilled';
import RadioButtonUncheckedIcon from '@material-ui/icons/RadioButtonUnchecked';
import SyncIcon from '@material-ui/icons/Sync';
import { PhaseTone, phaseInfo } from '../../format';

const ICONS: Record<PhaseTone, typeof CheckCircleIcon> = {
  ok: CheckCircleIcon,
  running: SyncIcon,
  waiting: PauseCircleFilledIcon,
  error: ErrorIcon,
  idle: RadioButtonUncheckedIcon,
};

const useStyles = makeStyles(theme => {
  const tone = (color: string) => ({ borderColor: color, '& $icon': { color } });
  return {
    icon: {},
    ok: tone(theme.palette.status.ok),
    running: tone(theme.palette.status.running),
    waiting: tone(theme.palette.status.warning),
    error: tone(theme.palette.status.error),
    idle: tone(theme.palette.status.pending),
  };
});

/** The phase as icon, colour and words; the words carry the meaning, colour only reinforces it. */
export function PhaseChip(props: { phase: CanaryPhase | string; size?: 'small' | 'medium' }) {
  const classes = useStyles();
  const info = phaseInfo(props.phase);
  const Icon = ICONS[info.tone];
  return (
    <Tooltip title={info.description}>
      <Chip
        variant="outlined"
        size={props.size ?? 'small'}
        className={classes[info.tone]}
        icon={<Icon className={classes.icon} aria-hidden />}
        label={info.label}
        aria-label={`phase: ${info.label}`}
        data-tone={info.tone}
      />
    </Tooltip>
  );
}
