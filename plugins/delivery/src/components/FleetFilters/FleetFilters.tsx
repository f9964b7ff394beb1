import { CANARY_PHASES, CanaryPhase, FleetQuery } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Switch from '@material-ui/core/Switch';
import TextField from '@material-ui/core/TextField';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { useEffect, useState } from 'react';
import { phaseInfo } from '../../format';

const SEARCH_DEBOUNCE_MS = 300;

export interface FleetFiltersProps {
  query: FleetQuery;
  clusters: string[];
  /** Namespaces seen so far; free text is accepted too, the backend filters. */
  namespaces: string[];
  onChange(change: Partial<FleetQuery>): void;
}

function MultiSelect(props: {
  label: string;
  value: string[];
  options: Array<{ value: string; label: string }>;
  onChange(value: string[]): void;
}) {
  return (
    <TextField
      select
      id={`delivery-fleet-${props.label.toLowerCase()}`}
      label={props.label}
      size="small"
      variant="outlined"
      style={{ minWidth: 180 }}
      value={props.value}
      SelectProps={{ multiple: true }}
      onChange={e => props.onChange(e.target.value as unknown as string[])}
    >
      {props.options.map(o => (
        <MenuItem key={o.value} value={o.value}>
          {o.label}
        </MenuItem>
      ))}
    </TextField>
  );
}

/** Filters of the fleet table. Text search waits for a pause in typing so each keystroke is not a request. */
export function FleetFilters(props: FleetFiltersProps) {
  const { query, onChange } = props;
  const [search, setSearch] = useState(query.search ?? '');

  useEffect(() => {
    if ((query.search ?? '') === search) return undefined;
    const timer = setTimeout(() => onChange({ search: search || undefined }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [search, query.search, onChange]);

  return (
    <Box display="flex" flexWrap="wrap" gridGap={16} alignItems="center" role="search" aria-label="fleet filters">
      <TextField
        id="delivery-fleet-search"
        label="Search"
        placeholder="name, image, message"
        size="small"
        variant="outlined"
        value={search}
        onChange={e => setSearch(e.target.value)}
      />
      <MultiSelect
        label="Cluster"
        value={query.cluster ?? []}
        options={props.clusters.map(c => ({ value: c, label: c }))}
        onChange={cluster => onChange({ cluster })}
      />
      <Autocomplete
        id="delivery-fleet-namespace"
        multiple
        freeSolo
        size="small"
        options={props.namespaces}
        value={query.namespace ?? []}
        onChange={(_, namespace) => onChange({ namespace: namespace as string[] })}
        style={{ minWidth: 200 }}
        renderInput={params => <TextField {...params} variant="outlined" label="Namespace" />}
      />
      <MultiSelect
        label="Phase"
        value={query.phase ?? []}
        options={CANARY_PHASES.map(p => ({ value: p, label: phaseInfo(p).label }))}
        onChange={phase => onChange({ phase: phase as CanaryPhase[] })}
      />
      <FormControlLabel
        control={
          <Switch
            checked={Boolean(query.needsAttention)}
            onChange={e => onChange({ needsAttention: e.target.checked || undefined })}
          />
        }
        label="Needs attention"
      />
    </Box>
  );
}
