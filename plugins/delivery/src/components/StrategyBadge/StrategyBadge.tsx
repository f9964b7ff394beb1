import { CanarySummary } from '@delivery/plugin-delivery-common';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import BlockIcon from '@material-ui/icons/Block';
import CallSplitIcon from '@material-ui/icons/CallSplit';
import FlipToFrontIcon from '@material-ui/icons/FlipToFront';
import SwapHorizIcon from '@material-ui/icons/SwapHoriz';
import TrendingUpIcon from '@material-ui/icons/TrendingUp';
import { StrategyKind, strategyKind, strategyLabel } from '../../format';

const ICONS: Record<StrategyKind, typeof BlockIcon> = {
  canary: TrendingUpIcon,
  'canary-mirroring': FlipToFrontIcon,
  'ab-testing': CallSplitIcon,
  'blue-green': SwapHorizIcon,
  'blue-green-mirroring': FlipToFrontIcon,
  'no-analysis': BlockIcon,
};

const useStyles = makeStyles(theme => ({
  root: { display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5) },
}));

/** Strategy as icon and name; "No analysis" wins because it changes what a rollout means. */
export function StrategyBadge(props: { canary: Pick<CanarySummary, 'strategy' | 'analysisSkipped'> }) {
  const classes = useStyles();
  const kind = strategyKind(props.canary);
  const Icon = ICONS[kind];
  return (
    <Typography variant="body2" component="span" className={classes.root}>
      <Icon fontSize="small" aria-hidden />
      <span>{strategyLabel(kind)}</span>
    </Typography>
  );
}
