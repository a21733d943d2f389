/**
 * Field mapping expressions for imports: `height_m=height_roof*0.3048`,
 * `levels=building:levels`, `name=coalesce(name, 'unnamed')`. A tiny language parsed into a tree
 * and interpreted; it never reaches eval/Function or SQL. Values are numbers, strings, booleans
 * or null; a missing property is null and arithmetic on null gives null.
 *
 *   expr     := sum ('??' sum)*
 *   sum      := product (('+' | '-') product)*
 *   product  := unary (('*' | '/' | '%') unary)*
 *   unary    := '-' unary | primary
 *   primary  := number | 'string' | "quoted property" | property | call | '(' expr ')'
 *   property := [A-Za-z_@][A-Za-z0-9_:.@]*     (true, false, null are literals)
 *   call     := name '(' (expr (',' expr)*)? ')'
 */

export type Value = number | string | boolean | null;
export type Properties = Record<string, unknown>;

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

type Node =
  | { t: 'lit'; v: Value }
  | { t: 'prop'; name: string }
  | { t: 'neg'; a: Node }
  | { t: 'bin'; op: string; a: Node; b: Node }
  | { t: 'call'; fn: string; args: Node[] };

type Token = { k: 'num' | 'str' | 'id' | 'qid' | 'op'; v: string; at: number };

const MAX_LENGTH = 500;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      out.push({ k: 'num', v: m[0], at: i });
      i += m[0].length;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        s += src[j];
        j++;
      }
      if (j >= src.length)
        throw new ExpressionError(
          `unterminated ${c === "'" ? 'string' : 'quoted name'} at ${i + 1}`,
        );
      out.push({ k: c === "'" ? 'str' : 'qid', v: s, at: i });
      i = j + 1;
    } else if (/[A-Za-z_@]/.test(c)) {
      const m = /^[A-Za-z_@][A-Za-z0-9_:.@]*/.exec(src.slice(i))!;
      out.push({ k: 'id', v: m[0], at: i });
      i += m[0].length;
    } else if (src.startsWith('??', i)) {
      out.push({ k: 'op', v: '??', at: i });
      i += 2;
    } else if ('+-*/%(),'.includes(c)) {
      out.push({ k: 'op', v: c, at: i });
      i++;
    } else {
      throw new ExpressionError(`unexpected "${c}" at ${i + 1}`);
    }
  }
  return out;
}

const FUNCTIONS: Record<string, { min: number; max: number; fn: (...a: Value[]) => Value }> = {
  number: { min: 1, max: 1, fn: (a) => toNumber(a) },
  int: { min: 1, max: 1, fn: (a) => nullOr(toNumber(a), Math.trunc) },
  text: { min: 1, max: 1, fn: (a) => (a === null ? null : String(a)) },
  round: {
    min: 1,
    max: 2,
    fn: (a, d) => {
      const x = toNumber(a);
      const p = 10 ** (toNumber(d ?? 0) ?? 0);
      return x === null ? null : Math.round(x * p) / p;
    },
  },
  floor: { min: 1, max: 1, fn: (a) => nullOr(toNumber(a), Math.floor) },
  ceil: { min: 1, max: 1, fn: (a) => nullOr(toNumber(a), Math.ceil) },
  abs: { min: 1, max: 1, fn: (a) => nullOr(toNumber(a), Math.abs) },
  min: { min: 1, max: 20, fn: (...a) => extreme(a, Math.min) },
  max: { min: 1, max: 20, fn: (...a) => extreme(a, Math.max) },
  coalesce: { min: 1, max: 20, fn: (...a) => a.find((v) => v !== null && v !== '') ?? null },
  lower: { min: 1, max: 1, fn: (a) => (a === null ? null : String(a).toLowerCase()) },
  upper: { min: 1, max: 1, fn: (a) => (a === null ? null : String(a).toUpperCase()) },
  trim: { min: 1, max: 1, fn: (a) => (a === null ? null : String(a).trim()) },
  /** A length with an optional unit (`25`, `25 m`, `80 ft`, `12'6"`) in metres. */
  metres: { min: 1, max: 1, fn: (a) => parseLength(a) },
  /** A speed with an optional unit (`50`, `30 mph`, `20 knots`) in km/h. */
  kmh: { min: 1, max: 1, fn: (a) => parseSpeed(a) },
};

function nullOr(x: number | null, f: (x: number) => number): number | null {
  return x === null ? null : f(x);
}

function extreme(values: Value[], f: (...x: number[]) => number): number | null {
  const nums = values.map(toNumber).filter((v): v is number => v !== null);
  return nums.length ? f(...nums) : null;
}

/** Numbers, numeric strings and booleans as numbers; anything else null. */
export function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function parseLength(v: unknown): number | null {
  if (typeof v === 'number') return toNumber(v);
  if (typeof v !== 'string') return null;
  const s = v.trim().toLowerCase().replace(',', '.');
  const feetInches = /^(\d+(?:\.\d+)?)\s*(?:'|ft|feet)\s*(?:(\d+(?:\.\d+)?)\s*(?:"|in))?$/.exec(s);
  if (feetInches) return Number(feetInches[1]) * 0.3048 + Number(feetInches[2] ?? 0) * 0.0254;
  const m = /^(-?\d+(?:\.\d+)?)\s*(m|metres?|meters?|km|cm|mm)?$/.exec(s);
  if (!m) return null;
  const scale = { km: 1000, cm: 0.01, mm: 0.001 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * scale;
}

export function parseSpeed(v: unknown): number | null {
  if (typeof v === 'number') return toNumber(v);
  if (typeof v !== 'string') return null;
  const m = /^(\d+(?:\.\d+)?)\s*(mph|knots|kn|km\/h|kmh|kph)?$/.exec(v.trim().toLowerCase());
  if (!m) return null;
  const scale = m[2] === 'mph' ? 1.609344 : m[2] === 'knots' || m[2] === 'kn' ? 1.852 : 1;
  return Number(m[1]) * scale;
}

class Parser {
  #i = 0;
  constructor(
    readonly tokens: Token[],
    readonly src: string,
  ) {}

  parse(): Node {
    if (this.tokens.length === 0) throw new ExpressionError('empty expression');
    const node = this.coalesce();
    const extra = this.tokens[this.#i];
    if (extra) throw new ExpressionError(`unexpected "${extra.v}" at ${extra.at + 1}`);
    return node;
  }

  #peek(v: string): boolean {
    const t = this.tokens[this.#i];
    return t?.k === 'op' && t.v === v;
  }

  #expect(v: string): void {
    if (!this.#peek(v)) {
      const t = this.tokens[this.#i];
      throw new ExpressionError(`expected "${v}" ${t ? `at ${t.at + 1}` : 'at the end'}`);
    }
    this.#i++;
  }

  coalesce(): Node {
    let a = this.sum();
    while (this.#peek('??')) {
      this.#i++;
      a = { t: 'call', fn: 'coalesce', args: [a, this.sum()] };
    }
    return a;
  }

  sum(): Node {
    let a = this.product();
    while (this.#peek('+') || this.#peek('-')) {
      const op = this.tokens[this.#i++]!.v;
      a = { t: 'bin', op, a, b: this.product() };
    }
    return a;
  }

  product(): Node {
    let a = this.unary();
    while (this.#peek('*') || this.#peek('/') || this.#peek('%')) {
      const op = this.tokens[this.#i++]!.v;
      a = { t: 'bin', op, a, b: this.unary() };
    }
    return a;
  }

  unary(): Node {
    if (this.#peek('-')) {
      this.#i++;
      return { t: 'neg', a: this.unary() };
    }
    return this.primary();
  }

  primary(): Node {
    const t = this.tokens[this.#i++];
    if (!t) throw new ExpressionError('unexpected end of expression');
    if (t.k === 'num') return { t: 'lit', v: Number(t.v) };
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'qid') return { t: 'prop', name: t.v };
    if (t.k === 'op' && t.v === '(') {
      const inner = this.coalesce();
      this.#expect(')');
      return inner;
    }
    if (t.k === 'id') {
      if (this.#peek('(')) {
        const spec = Object.hasOwn(FUNCTIONS, t.v) ? FUNCTIONS[t.v] : undefined;
        if (!spec)
          throw new ExpressionError(
            `unknown function ${t.v}() (known: ${Object.keys(FUNCTIONS).join(', ')})`,
          );
        this.#i++;
        const args: Node[] = [];
        if (!this.#peek(')')) {
          args.push(this.coalesce());
          while (this.#peek(',')) {
            this.#i++;
            args.push(this.coalesce());
          }
        }
        this.#expect(')');
        if (args.length < spec.min || args.length > spec.max)
          throw new ExpressionError(
            `${t.v}() takes ${spec.min === spec.max ? spec.min : `${spec.min}–${spec.max}`} arguments`,
          );
        return { t: 'call', fn: t.v, args };
      }
      if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { t: 'lit', v: null };
      return { t: 'prop', name: t.v };
    }
    throw new ExpressionError(`unexpected "${t.v}" at ${t.at + 1}`);
  }
}

function evaluate(node: Node, props: Properties): Value {
  switch (node.t) {
    case 'lit':
      return node.v;
    case 'prop': {
      const v = Object.hasOwn(props, node.name) ? props[node.name] : undefined;
      return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : null;
    }
    case 'neg':
      return nullOr(toNumber(evaluate(node.a, props)), (x) => -x);
    case 'call':
      return FUNCTIONS[node.fn]!.fn(...node.args.map((a) => evaluate(a, props)));
    case 'bin': {
      const a = evaluate(node.a, props);
      const b = evaluate(node.b, props);
      if (
        node.op === '+' &&
        (typeof a === 'string' || typeof b === 'string') &&
        toNumber(a) === null
      )
        return a === null || b === null ? null : `${a}${b}`;
      const x = toNumber(a);
      const y = toNumber(b);
      if (x === null || y === null) return null;
      const r =
        node.op === '+'
          ? x + y
          : node.op === '-'
            ? x - y
            : node.op === '*'
              ? x * y
              : node.op === '/'
                ? x / y
                : x % y;
      return Number.isFinite(r) ? r : null;
    }
  }
}

/** A compiled expression: call it with a feature's properties. */
export type Expression = ((props: Properties) => Value) & { source: string };

export function compileExpression(src: string): Expression {
  if (src.length > MAX_LENGTH)
    throw new ExpressionError(`expression longer than ${MAX_LENGTH} characters`);
  const tree = new Parser(tokenize(src), src).parse();
  return Object.assign((props: Properties) => evaluate(tree, props), { source: src });
}

/** Target field names: lower snake case, as columns are named. */
const FIELD = /^[a-z_][a-z0-9_]{0,62}$/;

/** `field=expr` pairs (from `--map` or the API) → compiled expressions by field. */
export function compileMapping(pairs: readonly string[]): Map<string, Expression> {
  const out = new Map<string, Expression>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ExpressionError(`mapping "${pair}" must look like field=expression`);
    const field = pair.slice(0, eq).trim();
    if (!FIELD.test(field))
      throw new ExpressionError(
        `mapping target "${field}" must be a lower-case field name (a-z, 0-9, _)`,
      );
    try {
      out.set(field, compileExpression(pair.slice(eq + 1)));
    } catch (error) {
      throw new ExpressionError(`mapping ${field}: ${(error as Error).message}`);
    }
  }
  return out;
}
