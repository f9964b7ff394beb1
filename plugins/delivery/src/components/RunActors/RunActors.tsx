import { RunActor } from '@delivery/plugin-delivery-common';
import Typography from '@material-ui/core/Typography';
import { actorText } from './actorText';

/** Who stepped in during a run, one line each; refused attempts are muted, with the backend's reason on hover. */
export function RunActors(props: { actors: RunActor[] }) {
  if (props.actors.length === 0) return <>—</>;
  return (
    <>
      {props.actors.map((a, i) => {
        const refused = a.outcome === 'refused';
        return (
          <Typography
            key={`${a.time}-${a.actor}-${i}`}
            variant="body2"
            display="block"
            color={refused ? 'textSecondary' : 'textPrimary'}
            title={refused ? a.message : undefined}
            data-outcome={a.outcome ?? 'accepted'}
          >
            {actorText(a)}
          </Typography>
        );
      })}
    </>
  );
}
