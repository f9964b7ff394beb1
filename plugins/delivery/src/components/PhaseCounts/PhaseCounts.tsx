import { CANARY_PHASES, CanaryPhase } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import { phaseInfo } from '../../format';

/** Canaries per phase, as toggles: pressing one filters the table to that phase. */
export function PhaseCounts(props: {
  counts: Record<string, number>;
  selected: CanaryPhase[];
  onToggle(phase: CanaryPhase): void;
}) {
  const phases = CANARY_PHASES.filter(p => (props.counts[p] ?? 0) > 0 || props.selected.includes(p));
  return (
    <Box display="flex" flexWrap="wrap" gridGap={8} role="group" aria-label="canaries per phase">
      {phases.length === 0 && <Chip label="No canaries" size="small" />}
      {phases.map(p => {
        const on = props.selected.includes(p);
        return (
          <Chip
            key={p}
            label={`${phaseInfo(p).label}: ${props.counts[p] ?? 0}`}
            color={on ? 'primary' : 'default'}
            variant={on ? 'default' : 'outlined'}
            aria-pressed={on}
            onClick={() => props.onToggle(p)}
          />
        );
      })}
    </Box>
  );
}
