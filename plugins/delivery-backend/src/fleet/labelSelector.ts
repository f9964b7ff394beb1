import { InputError } from '@backstage/errors';

export type Requirement =
  | { op: 'exists' | 'notexists'; key: string }
  | { op: 'in' | 'notin'; key: string; values: string[] };

export type LabelSelector = Requirement[];

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

/** Splits on commas that are not inside a value set's parentheses. */
function splitTopLevel(input: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of input) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map(p => p.trim());
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key)) throw new InputError(`label selector "${selector}": "${key}" is not a valid label key`);
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!VALUE.test(value)) throw new InputError(`label selector "${selector}": "${value}" is not a valid label value`);
  return value;
}

/**
 * Parses the Kubernetes label selector syntax: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`,
 * joined by commas (all must hold). Throws an InputError that quotes the selector and the offending part.
 */
export function parseLabelSelector(selector: string): LabelSelector {
  const trimmed = selector.trim();
  if (!trimmed) return [];
  return splitTopLevel(trimmed).map(part => {
    if (!part) throw new InputError(`label selector "${selector}": empty requirement (stray comma?)`);
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const values = set[3].split(',').map(v => checkValue(v.trim(), selector));
      if (values.length === 0 || (values.length === 1 && values[0] === '')) {
        throw new InputError(`label selector "${selector}": "${part}" needs at least one value`);
      }
      return { op: set[2] as 'in' | 'notin', key: checkKey(set[1], selector), values };
    }
    const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (eq) {
      const key = checkKey(eq[1], selector);
      const value = checkValue(eq[3], selector);
      return { op: eq[2] === '!=' ? 'notin' : 'in', key, values: [value] };
    }
    const not = /^!\s*(\S+)$/.exec(part);
    if (not) return { op: 'notexists', key: checkKey(not[1], selector) };
    if (/^\S+$/.test(part)) return { op: 'exists', key: checkKey(part, selector) };
    throw new InputError(
      `label selector "${selector}": cannot parse "${part}"; expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key`,
    );
  });
}

/** True when `labels` satisfy every requirement. An empty selector matches everything. */
export function matchesSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every(r => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        // As in Kubernetes, a missing key satisfies `!=` and `notin`.
        return !has || !r.values.includes(l[r.key]);
      default:
        return false;
    }
  });
}
