import { ClusterHealth, ClusterState } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Link from '@material-ui/core/Link';
import Alert from '@material-ui/lab/Alert';
import { useState } from 'react';
import { RelativeTime } from '../RelativeTime';

const PROBLEMS: Partial<Record<ClusterState, { severity: 'warning' | 'error' | 'info'; text: string }>> = {
  // The backend keeps serving what it last received from a cluster, so the text says so rather than "not shown".
  unreachable: { severity: 'error', text: 'is unreachable; showing what it last reported' },
  unauthorized: {
    severity: 'error',
    text: 'rejected the Delivery backend’s credentials; its canaries may be missing or outdated',
  },
  stale: { severity: 'warning', text: 'is out of sync; what is shown may be outdated' },
  'not-installed': { severity: 'info', text: 'does not serve the Canary CRD' },
};

/** Messages come from errors and often lack a full stop; the "Last synced" sentence follows. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

/**
 * One banner per cluster that is not healthy. Banners are keyed by cluster and derived from the health state, so
 * a refresh with the same state changes nothing on screen; a dismissed banner stays dismissed until the cluster's
 * state changes.
 */
export function ClusterBanners(props: { clusters: ClusterHealth[]; hideNotInstalled?: boolean }) {
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const shown = props.clusters.filter(
    c =>
      PROBLEMS[c.state] &&
      !(props.hideNotInstalled && c.state === 'not-installed') &&
      !dismissed.has(`${c.name}:${c.state}`),
  );
  if (shown.length === 0) return null;
  return (
    <Box display="flex" flexDirection="column" gridGap={8} mb={2} aria-label="cluster problems" role="region">
      {shown.map(c => {
        const problem = PROBLEMS[c.state]!;
        return (
          <Alert
            key={c.name}
            severity={problem.severity}
            role="status"
            data-cluster={c.name}
            onClose={() => setDismissed(prev => new Set(prev).add(`${c.name}:${c.state}`))}
          >
            Cluster <strong>{c.name}</strong> {problem.text}
            {c.message ? `: ${sentence(c.message)}` : '.'}
            {c.lastSyncTime && (
              <>
                {' '}
                Last synced <RelativeTime time={c.lastSyncTime} />.
              </>
            )}
            {c.dashboardUrl && (
              <>
                {' '}
                <Link href={c.dashboardUrl} target="_blank" rel="noopener">
                  Cluster dashboard
                </Link>
              </>
            )}
          </Alert>
        );
      })}
    </Box>
  );
}
