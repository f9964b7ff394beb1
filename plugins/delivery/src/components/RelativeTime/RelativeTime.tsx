import Tooltip from '@material-ui/core/Tooltip';
import { formatAbsolute, formatRelative } from '../../format';

/** "5 minutes ago", with the absolute UTC time on hover and in the `dateTime` attribute. */
export function RelativeTime(props: { time?: string; now?: number }) {
  if (!props.time) return <span>—</span>;
  const absolute = formatAbsolute(props.time);
  return (
    <Tooltip title={absolute}>
      <time dateTime={props.time}>
        {formatRelative(props.time, props.now ?? Date.now())}
      </time>
    </Tooltip>
  );
}
