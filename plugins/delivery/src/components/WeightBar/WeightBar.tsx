import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';

const useStyles = makeStyles(theme => ({
  bar: {
    display: 'flex',
    height: theme.spacing(3),
    minWidth: theme.spacing(20),
    borderRadius: theme.shape.borderRadius,
    overflow: 'hidden',
    border: `1px solid ${theme.palette.divider}`,
  },
  segment: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    fontSize: theme.typography.caption.fontSize,
    transition: 'flex-basis 300ms ease',
  },
  primary: { background: theme.palette.primary.main, color: theme.palette.primary.contrastText },
  canary: { background: theme.palette.status.warning, color: theme.palette.common.black },
}));

/**
 * What fits inside a segment of `share` percent of a bar at least 160 px wide: the role and number, the number
 * alone, or nothing (the meter's text and the caption beside it still say it).
 */
export function segmentLabel(role: 'primary' | 'canary', share: number): string | undefined {
  if (share >= 40) return `${role} ${share}%`;
  if (share >= 20) return `${share}%`;
  return undefined;
}

/**
 * Primary and canary share of traffic as one bar, with both numbers in text. The bar is a `meter` whose value is
 * the canary's percentage, so tests and screen readers read the same number the eye does.
 */
export function WeightBar(props: { canaryWeight: number; label: string; mirrored?: boolean }) {
  const classes = useStyles();
  const canary = Math.max(0, Math.min(100, Math.round(props.canaryWeight)));
  const primary = 100 - canary;
  const text = `primary ${primary}%, canary ${canary}%${props.mirrored ? ' (plus a mirrored copy)' : ''}`;
  return (
    <div
      role="meter"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={canary}
      aria-valuetext={text}
      className={classes.bar}
    >
      {/* Both segments always render, at 0 % too, so a change of weights slides instead of leaving a gap. */}
      <div className={`${classes.segment} ${classes.primary}`} style={{ flexBasis: `${primary}%` }} aria-hidden>
        <Typography variant="caption" component="span">
          {segmentLabel('primary', primary)}
        </Typography>
      </div>
      <div className={`${classes.segment} ${classes.canary}`} style={{ flexBasis: `${canary}%` }} aria-hidden>
        <Typography variant="caption" component="span">
          {segmentLabel('canary', canary)}
        </Typography>
      </div>
    </div>
  );
}
