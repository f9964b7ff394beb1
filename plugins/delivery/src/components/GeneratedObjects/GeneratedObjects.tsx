import { StatusError, StatusOK, StatusPending } from '@backstage/core-components';
import { GeneratedObject } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ExpandLessIcon from '@material-ui/icons/ExpandLess';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import { useState } from 'react';
import { useTableStyles } from '../tableStyles';

const useStyles = makeStyles(theme => ({
  yaml: {
    fontFamily: 'monospace',
    fontSize: theme.typography.caption.fontSize,
    background: theme.palette.background.default,
    padding: theme.spacing(1),
    maxHeight: 480,
    overflow: 'auto',
  },
}));

function ObjectStatus({ object }: { object: GeneratedObject }) {
  if (object.ready === undefined) return <StatusPending>{object.status}</StatusPending>;
  return object.ready ? <StatusOK>{object.status}</StatusOK> : <StatusError>{object.status}</StatusError>;
}

/** Objects the controller created for the canary, and the Canary's own YAML behind a toggle. */
export function GeneratedObjects(props: { objects: GeneratedObject[]; yaml: string; name: string }) {
  const classes = { ...useStyles(), ...useTableStyles() };
  const [showYaml, setShowYaml] = useState(false);
  const yamlId = `canary-yaml-${props.name}`;
  return (
    <Box>
      {props.objects.length === 0 ? (
        <Typography variant="body2">No generated objects found.</Typography>
      ) : (
        <Table size="small" aria-label="generated objects" className={classes.table}>
          <TableHead>
            <TableRow>
              <TableCell>Kind</TableCell>
              <TableCell>Name</TableCell>
              <TableCell>Status</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {props.objects.map(o => (
              <TableRow key={`${o.kind}/${o.namespace}/${o.name}`}>
                <TableCell className={classes.nowrap}>{o.kind}</TableCell>
                <TableCell>{o.name}</TableCell>
                <TableCell className={classes.nowrap}>
                  <ObjectStatus object={o} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Box mt={1}>
        <Button
          size="small"
          aria-expanded={showYaml}
          aria-controls={yamlId}
          startIcon={showYaml ? <ExpandLessIcon /> : <ExpandMoreIcon />}
          onClick={() => setShowYaml(v => !v)}
        >
          Canary YAML
        </Button>
        {showYaml && (
          <pre id={yamlId} className={classes.yaml} aria-label="canary yaml">
            {props.yaml}
          </pre>
        )}
      </Box>
    </Box>
  );
}
