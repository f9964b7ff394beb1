import { makeStyles } from '@material-ui/core/styles';

/**
 * For every table of the plugin. Backstage's theme gives table cells `word-break: break-word`, which lets the
 * browser size columns as if any word could break anywhere: narrow columns then split "Deployment" and "Outcome"
 * mid-word. Words break normally here; only an overlong token wraps, and images carry their own break points.
 */
export const useTableStyles = makeStyles({
  table: {
    '& td, & th': { wordBreak: 'normal', overflowWrap: 'break-word' },
  },
  nowrap: { whiteSpace: 'nowrap' },
});
