import { makeStyles } from '@material-ui/core/styles';
import { Fragment } from 'react';
import { imageParts } from '../../format';

const useStyles = makeStyles({
  // Breaks at the <wbr> points; only a segment longer than the column (a digest) breaks inside.
  image: { fontFamily: 'monospace', overflowWrap: 'break-word' },
});

/** Image references joined by ", ", each breakable only at its path and tag separators. */
export function ImageName(props: { images: string[]; className?: string }) {
  const classes = useStyles();
  if (props.images.length === 0) return <>—</>;
  return (
    <span className={`${classes.image} ${props.className ?? ''}`}>
      {props.images.map((image, i) => (
        <Fragment key={`${image}-${i}`}>
          {i > 0 && ', '}
          {imageParts(image).map((part, j) => (
            <Fragment key={j}>
              {j > 0 && <wbr />}
              {part}
            </Fragment>
          ))}
        </Fragment>
      ))}
    </span>
  );
}
