import { AnalysisCheck, MetricSpecView } from '@delivery/plugin-delivery-common';
import { useTheme } from '@material-ui/core/styles';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { metricUnit, thresholdText } from '../../format';

interface Point {
  time: string;
  value: number;
  passed: boolean;
}

const CHART_HEIGHT = 160;

function clock(iso: string): string {
  return new Date(iso).toISOString().slice(11, 19);
}

function FailedAwareDot(props: { cx?: number; cy?: number; payload?: Point; ok: string; bad: string }) {
  const { cx, cy, payload } = props;
  if (cx === undefined || cy === undefined || !payload) return null;
  return <circle cx={cx} cy={cy} r={payload.passed ? 3 : 5} fill={payload.passed ? props.ok : props.bad} />;
}

/**
 * Values a metric took during the current run, with its threshold drawn as reference lines. Failed points are
 * larger and red; the chart's label states the numbers for screen readers.
 */
export function AnalysisChart(props: { metric: MetricSpecView; checks: AnalysisCheck[] }) {
  const theme = useTheme();
  const points: Point[] = props.checks
    .filter(c => c.value !== undefined)
    .map(c => ({ time: clock(c.time), value: c.value as number, passed: c.passed }));
  const { thresholdMin, thresholdMax } = props.metric;
  const unit = metricUnit(props.metric);
  const last = points[points.length - 1];
  const label =
    `${props.metric.name} over the current run: ${points.length} values` +
    `${last ? `, last ${last.value}` : ''}, threshold ${thresholdText(thresholdMin, thresholdMax, unit)}`;
  const ok = theme.palette.status.ok;
  const bad = theme.palette.status.error;
  return (
    <div role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={{ width: 400, height: CHART_HEIGHT }}>
        <LineChart data={points} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="time" tick={{ fontSize: 11 }} />
          <YAxis domain={['auto', 'auto']} tick={{ fontSize: 11 }} width={48} />
          <Tooltip />
          {thresholdMin !== undefined && (
            <ReferenceLine y={thresholdMin} stroke={bad} strokeDasharray="4 4" ifOverflow="extendDomain" label={`min ${thresholdMin}${unit}`} />
          )}
          {thresholdMax !== undefined && (
            <ReferenceLine y={thresholdMax} stroke={bad} strokeDasharray="4 4" ifOverflow="extendDomain" label={`max ${thresholdMax}${unit}`} />
          )}
          <Line
            type="monotone"
            dataKey="value"
            stroke={theme.palette.primary.main}
            isAnimationActive={false}
            dot={(dot: { cx?: number; cy?: number; payload?: Point; key?: string }) => (
              <FailedAwareDot key={dot.key} cx={dot.cx} cy={dot.cy} payload={dot.payload} ok={ok} bad={bad} />
            )}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
