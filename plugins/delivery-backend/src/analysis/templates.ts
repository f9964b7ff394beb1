import type { Canary } from '@delivery/plugin-delivery-common';

/**
 * The subset of Go text/template that Flagger metric queries use, with Flagger's niladic functions and
 * `missingkey=error`: `{{ name }}`, `{{ variables.KEY }}`, `{{- … -}}` trim markers, `{{ $x := printf "…" a b }}`,
 * `{{ $x }}`, pipelines (`a | printf "%s"`), parentheses and comments. Control structures (if/range/with) are not
 * supported and fail with a parse error rather than rendering something wrong.
 */

/** The values a query can reference (Flagger's MetricTemplateModel). */
export interface MetricTemplateModel {
  name: string;
  namespace: string;
  target: string;
  service: string;
  ingress: string;
  route: string;
  interval: string;
  variables: Record<string, string>;
}

export function metricTemplateModel(
  canary: Canary,
  interval: string,
  variables?: Record<string, string>,
): MetricTemplateModel {
  const target = canary.spec.targetRef.name;
  return {
    name: canary.metadata.name,
    namespace: canary.metadata.namespace ?? '',
    target,
    service: canary.spec.service?.name || target,
    ingress: canary.spec.ingressRef?.name || target,
    route: canary.spec.routeRef?.name || target,
    interval,
    variables: { ...(variables ?? {}) },
  };
}

export class TemplateError extends Error {
  readonly name = 'TemplateError';
}

type Value = string | number | boolean | Record<string, string> | undefined;
type Token =
  | { t: 'var'; v: string }
  | { t: 'ident'; v: string }
  | { t: 'field'; v: string }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'op'; v: ':=' | '=' | '|' | '(' | ')' };

const FUNCS = [
  'name',
  'namespace',
  'target',
  'service',
  'ingress',
  'route',
  'interval',
  'variables',
  'printf',
];

function tokenize(src: string, where: string): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s+|(\$[A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*)|(\.[A-Za-z_][A-Za-z0-9_]*)|("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+(?:\.\d+)?)|(:=|=|\||\(|\))/y;
  let pos = 0;
  while (pos < src.length) {
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m)
      throw new TemplateError(
        `${where}: unexpected ${JSON.stringify(src[pos])} in command`,
      );
    pos = re.lastIndex;
    if (m[1]) tokens.push({ t: 'var', v: m[1] });
    else if (m[2]) tokens.push({ t: 'ident', v: m[2] });
    else if (m[3]) tokens.push({ t: 'field', v: m[3].slice(1) });
    else if (m[4]) tokens.push({ t: 'str', v: JSON.parse(m[4]) });
    else if (m[5]) tokens.push({ t: 'str', v: m[5].slice(1, -1) });
    else if (m[6]) tokens.push({ t: 'num', v: Number(m[6]) });
    else if (m[7]) tokens.push({ t: 'op', v: m[7] as ':=' });
  }
  return tokens;
}

/** Go's fmt verbs that queries plausibly use: %s %v %d %q %f %.Nf %%. */
export function goSprintf(format: string, args: Value[]): string {
  let i = 0;
  const out = format.replace(
    /%(\.\d+)?([a-zA-Z%])/g,
    (_whole, precision: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      if (i >= args.length) return `%!${verb}(MISSING)`;
      const arg = args[i++];
      switch (verb) {
        case 's':
        case 'v':
          return show(arg);
        case 'q':
          return JSON.stringify(show(arg));
        case 'd':
          return typeof arg === 'number' && Number.isInteger(arg)
            ? String(arg)
            : `%!d(${typeName(arg)}=${show(arg)})`;
        case 'f':
          return typeof arg === 'number'
            ? arg.toFixed(precision ? Number(precision.slice(1)) : 6)
            : `%!f(${typeName(arg)}=${show(arg)})`;
        default:
          return `%!${verb}(${typeName(arg)}=${show(arg)})`;
      }
    },
  );
  const extra = args.slice(i);
  return extra.length
    ? `${out}%!(EXTRA ${extra
        .map(a => `${typeName(a)}=${show(a)}`)
        .join(', ')})`
    : out;
}

function typeName(v: Value): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'object') return 'map[string]string';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

function show(v: Value): string {
  if (v === undefined) return '<no value>';
  if (typeof v === 'object') {
    return `map[${Object.keys(v)
      .sort()
      .map(k => `${k}:${v[k]}`)
      .join(' ')}]`;
  }
  return String(v);
}

class ActionEvaluator {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly model: MetricTemplateModel,
    private readonly vars: Map<string, Value>,
    private readonly where: string,
    private readonly source: string,
  ) {}

  /** Runs one action; returns the text it prints ('' for assignments). */
  run(): string {
    const [a, b] = this.tokens;
    if (a?.t === 'var' && b?.t === 'op' && (b.v === ':=' || b.v === '=')) {
      if (b.v === '=' && !this.vars.has(a.v))
        throw new TemplateError(`${this.where}: undefined variable "${a.v}"`);
      this.pos = 2;
      this.vars.set(a.v, this.pipeline());
      this.expectEnd();
      return '';
    }
    const value = this.pipeline();
    this.expectEnd();
    return show(value);
  }

  private expectEnd() {
    if (this.pos < this.tokens.length)
      throw new TemplateError(`${this.where}: unexpected token in command`);
  }

  private pipeline(): Value {
    let value = this.command(undefined, false);
    while (this.peek()?.t === 'op' && this.peek()!.v === '|') {
      this.pos++;
      value = this.command(value, true);
    }
    return value;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private command(piped: Value, hasPiped: boolean): Value {
    const head = this.peek();
    if (!head)
      throw new TemplateError(`${this.where}: missing value for command`);
    const args: Value[] = [];
    if (head.t === 'ident' && this.tokens[this.pos + 1]?.t !== 'field') {
      this.pos++;
      if (!FUNCS.includes(head.v))
        throw new TemplateError(
          `${this.where}: function "${head.v}" not defined`,
        );
      while (
        this.peek() &&
        !(
          this.peek()!.t === 'op' && ['|', ')'].includes(String(this.peek()!.v))
        )
      ) {
        args.push(this.operand());
      }
      if (hasPiped) args.push(piped);
      return this.call(head.v, args);
    }
    const value = this.operand();
    if (
      this.peek() &&
      !(this.peek()!.t === 'op' && ['|', ')'].includes(String(this.peek()!.v)))
    ) {
      throw new TemplateError(
        `${this.where}: can't give argument to non-function ${this.describe(
          head,
        )}`,
      );
    }
    if (hasPiped)
      throw new TemplateError(
        `${this.where}: can't give argument to non-function ${this.describe(
          head,
        )}`,
      );
    return value;
  }

  private operand(): Value {
    const tok = this.tokens[this.pos++];
    let value: Value;
    if (tok.t === 'str' || tok.t === 'num') value = tok.v;
    else if (tok.t === 'var') {
      if (!this.vars.has(tok.v))
        throw new TemplateError(`${this.where}: undefined variable "${tok.v}"`);
      value = this.vars.get(tok.v);
    } else if (tok.t === 'ident') {
      if (!FUNCS.includes(tok.v))
        throw new TemplateError(
          `${this.where}: function "${tok.v}" not defined`,
        );
      value = this.call(tok.v, []);
    } else if (tok.t === 'op' && tok.v === '(') {
      value = this.pipeline();
      const close = this.tokens[this.pos++];
      if (!(close?.t === 'op' && close.v === ')'))
        throw new TemplateError(`${this.where}: unclosed left paren`);
    } else {
      throw new TemplateError(
        `${this.where}: unexpected ${this.describe(tok)} in operand`,
      );
    }
    return this.fields(value);
  }

  /** `.KEY` chains: map lookups, where a missing key is an error (missingkey=error). */
  private fields(value: Value): Value {
    let v = value;
    while (this.peek()?.t === 'field') {
      const key = String(this.tokens[this.pos++].v);
      if (typeof v !== 'object') {
        throw new TemplateError(
          `${this.at()}: can't evaluate field ${key} in type ${typeName(v)}`,
        );
      }
      if (!(key in v))
        throw new TemplateError(
          `${this.at()}: map has no entry for key "${key}"`,
        );
      v = v[key];
    }
    return v;
  }

  private call(fn: string, args: Value[]): Value {
    if (fn === 'printf') {
      if (!args.length || typeof args[0] !== 'string') {
        throw new TemplateError(
          `${this.at()}: error calling printf: missing format string`,
        );
      }
      return goSprintf(args[0], args.slice(1));
    }
    if (args.length)
      throw new TemplateError(
        `${this.at()}: wrong number of args for ${fn}: want 0 got ${
          args.length
        }`,
      );
    return this.model[fn as keyof MetricTemplateModel];
  }

  private at(): string {
    return `${this.where}: executing "tmpl" at <${this.source}>`;
  }

  private describe(tok: Token): string {
    return tok.t === 'str' ? JSON.stringify(tok.v) : String(tok.v);
  }
}

/** Renders a Flagger query template; throws TemplateError with Go-like text (`map has no entry for key "x"`). */
export function renderQuery(
  template: string,
  model: MetricTemplateModel,
): string {
  const vars = new Map<string, Value>();
  let out = '';
  let pos = 0;
  while (pos < template.length) {
    const open = template.indexOf('{{', pos);
    if (open < 0) {
      out += template.slice(pos);
      break;
    }
    let text = template.slice(pos, open);
    let start = open + 2;
    if (/^-[ \t\r\n]/.test(template.slice(start, start + 2))) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    out += text;
    const close = findClose(template, start);
    const line = template.slice(0, open).split('\n').length;
    const col = open - template.lastIndexOf('\n', open - 1);
    if (close < 0)
      throw new TemplateError(`template: tmpl:${line}: unclosed action`);
    let end = close;
    let trimAfter = false;
    if (/[ \t\r\n]-$/.test(template.slice(close - 2, close))) {
      end = close - 1;
      trimAfter = true;
    }
    const action = template.slice(start, end).trim();
    pos = close + 2;
    if (trimAfter) pos += /^[ \t\r\n]*/.exec(template.slice(pos))![0].length;
    if (/^\/\*[\s\S]*\*\/$/.test(action)) continue;
    const where = `template: tmpl:${line}:${col}`;
    if (!action)
      throw new TemplateError(
        `template: tmpl:${line}: missing value for command`,
      );
    const tokens = tokenize(action, `template: tmpl:${line}`);
    if (
      tokens[0]?.t === 'ident' &&
      [
        'if',
        'range',
        'with',
        'else',
        'end',
        'define',
        'template',
        'block',
      ].includes(tokens[0].v)
    ) {
      throw new TemplateError(
        `template: tmpl:${line}: "${tokens[0].v}" is not supported in Delivery metric templates`,
      );
    }
    out += new ActionEvaluator(tokens, model, vars, where, action).run();
  }
  return out;
}

/** Index of the `}}` closing an action that starts at `from`, skipping quoted strings. */
function findClose(src: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < src.length - 1; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '}' && src[i + 1] === '}') return i;
  }
  return -1;
}
