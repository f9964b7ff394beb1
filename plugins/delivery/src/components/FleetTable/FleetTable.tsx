import { Link } from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { parseEntityRef } from '@backstage/catalog-model';
import {
  CanarySummary,
  FleetQuery,
  canaryKey,
} from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TablePagination from '@material-ui/core/TablePagination';
import TableRow from '@material-ui/core/TableRow';
import TableSortLabel from '@material-ui/core/TableSortLabel';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import WarningIcon from '@material-ui/icons/Warning';
import { progressText } from '../../format';
import { PAGE_SIZES } from '../DeliveryPage/fleetQuery';
import { ImageName } from '../ImageName';
import { PhaseChip } from '../PhaseChip';
import { RelativeTime } from '../RelativeTime';
import { StrategyBadge } from '../StrategyBadge';
import { useTableStyles } from '../tableStyles';

type SortField = NonNullable<FleetQuery['sort']>;

const useStyles = makeStyles(theme => ({
  image: { fontSize: theme.typography.caption.fontSize },
  message: { minWidth: 160, maxWidth: 320 },
  attention: {
    color: theme.palette.status.warning,
    verticalAlign: 'middle',
    marginLeft: theme.spacing(0.5),
  },
}));

function NameCell({ canary }: { canary: CanarySummary }) {
  const classes = useStyles();
  const entityRoute = useRouteRef(entityRouteRef);
  const entityRef = canary.entityRefs?.[0];
  const ref = entityRef ? parseEntityRef(entityRef) : undefined;
  return (
    <>
      {ref ? (
        <Link
          to={`${entityRoute({
            namespace: ref.namespace,
            kind: ref.kind,
            name: ref.name,
          })}/delivery`}
        >
          {canary.name}
        </Link>
      ) : (
        canary.name
      )}
      {canary.needsAttention && (
        <WarningIcon
          fontSize="small"
          className={classes.attention}
          aria-label="needs attention"
        />
      )}
    </>
  );
}

const COLUMNS: Array<{ title: string; sort?: SortField }> = [
  { title: 'Name', sort: 'name' },
  { title: 'Strategy' },
  { title: 'Phase', sort: 'phase' },
  { title: 'Cluster', sort: 'cluster' },
  { title: 'Namespace', sort: 'namespace' },
  { title: 'Target' },
  { title: 'Promoted image' },
  { title: 'Message' },
  { title: 'Last updated', sort: 'updated' },
];

export interface FleetTableProps {
  items: CanarySummary[];
  total: number;
  query: FleetQuery;
  onChange(change: Partial<FleetQuery>): void;
}

/** Dense, server-sorted and server-paged table of canaries. */
export function FleetTable(props: FleetTableProps) {
  const classes = { ...useStyles(), ...useTableStyles() };
  const { query } = props;
  const limit = query.limit ?? PAGE_SIZES[0];
  return (
    <>
      {/* A narrow window scrolls the table sideways rather than breaking its words. */}
      <Box overflow="auto">
        <Table size="small" aria-label="canaries" className={classes.table}>
          <TableHead>
            <TableRow>
              {COLUMNS.map(col => (
                <TableCell
                  key={col.title}
                  className={classes.nowrap}
                  sortDirection={
                    query.sort === col.sort ? query.order ?? 'asc' : false
                  }
                >
                  {col.sort ? (
                    <TableSortLabel
                      active={query.sort === col.sort}
                      direction={
                        query.sort === col.sort ? query.order ?? 'asc' : 'asc'
                      }
                      onClick={() =>
                        props.onChange({
                          sort: col.sort,
                          order:
                            query.sort === col.sort && query.order !== 'desc'
                              ? 'desc'
                              : 'asc',
                          offset: 0,
                        })
                      }
                    >
                      {col.title}
                    </TableSortLabel>
                  ) : (
                    col.title
                  )}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {props.items.length === 0 && (
              <TableRow>
                <TableCell colSpan={COLUMNS.length}>
                  <Typography variant="body2">
                    No canaries match these filters.
                  </Typography>
                </TableCell>
              </TableRow>
            )}
            {props.items.map(c => (
              <TableRow key={canaryKey(c)} hover>
                <TableCell>
                  <NameCell canary={c} />
                </TableCell>
                <TableCell className={classes.nowrap}>
                  <StrategyBadge canary={c} />
                </TableCell>
                <TableCell>
                  <PhaseChip phase={c.phase} />
                  {progressText(c) && (
                    <Typography variant="caption" display="block">
                      {progressText(c)}
                    </Typography>
                  )}
                </TableCell>
                <TableCell className={classes.nowrap}>{c.cluster}</TableCell>
                <TableCell className={classes.nowrap}>{c.namespace}</TableCell>
                <TableCell className={classes.nowrap}>
                  {c.targetName}
                  <Typography
                    variant="caption"
                    display="block"
                    color="textSecondary"
                  >
                    {c.targetKind}
                  </Typography>
                </TableCell>
                <TableCell>
                  <ImageName
                    images={c.primaryImages}
                    className={classes.image}
                  />
                </TableCell>
                <TableCell className={classes.message}>
                  {c.message ?? ''}
                </TableCell>
                <TableCell className={classes.nowrap}>
                  <RelativeTime time={c.updatedAt} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
      <TablePagination
        component="div"
        count={props.total}
        page={Math.floor((query.offset ?? 0) / limit)}
        rowsPerPage={limit}
        rowsPerPageOptions={PAGE_SIZES}
        onPageChange={(_, page) => props.onChange({ offset: page * limit })}
        onRowsPerPageChange={e =>
          props.onChange({ limit: Number(e.target.value), offset: 0 })
        }
      />
    </>
  );
}
