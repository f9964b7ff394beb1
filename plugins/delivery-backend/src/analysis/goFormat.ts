/**
 * Go's formatting of the values that appear in Flagger's event messages, so our events read byte-for-byte the same
 * (`Halt podinfo.test advancement request duration 1.2s > 500ms`, `success rate 61.39% < 99%`).
 */

/** `time.Duration(ms * time.Millisecond).String()` for a whole number of milliseconds. */
export function formatGoDuration(ms: number): string {
  // histogram_quantile answers +Inf when every sample is in the last bucket; Go would print a wrapped int64.
  if (!Number.isFinite(ms))
    return Number.isNaN(ms) ? 'NaN' : `${ms > 0 ? '+' : '-'}Inf`;
  const whole = Math.trunc(ms);
  if (whole === 0) return '0s';
  if (whole < 0) return `-${formatGoDuration(-whole)}`;
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const secMs = whole % 60_000;
  const fraction = String(secMs % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
  const seconds = `${Math.floor(secMs / 1000)}${
    fraction ? `.${fraction}` : ''
  }s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

/** Go's `%v` for a float64: shortest digits, exponent form (`1e+06`) when the decimal exponent is < -4 or >= 6. */
export function formatGoFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(x);
}

/** Go's `%.<digits>f`: like toFixed, but exact ties round to even as Go does (0.125 → "0.12"). */
export function formatGoFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const rounded = x.toFixed(digits);
  // toFixed(100) is the exact binary value for any magnitude a metric can have, so ties can be detected.
  const exact = Math.abs(x).toFixed(100);
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + digits);
  if (!/^50*$/.test(rest)) return rounded;
  const kept = exact.slice(0, dot + 1 + digits).replace(/\.$/, '');
  const lastDigit = Number(kept[kept.length - 1]);
  if (lastDigit % 2 !== 0) return rounded;
  return `${x < 0 ? '-' : ''}${kept}`;
}
