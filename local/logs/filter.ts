// CloudWatch Logs filter patterns, as FilterLogEvents applies them to each event's message:
// - text: `ERROR` (contains the term; case-sensitive), `ERROR timeout` (both), `"exact phrase"`,
//   `ERROR -retry` (without the term), `?ERROR ?WARN` (any of them), `%regex%`;
// - JSON: `{ $.level = "ERROR" }`, `{ $.requestId = "abc*" }` (`*` is a wildcard),
//   `{ $.duration > 100 }` (`=`, `!=`, `<`, `<=`, `>`, `>=` on numbers), `IS NULL`, `IS TRUE`,
//   `IS FALSE`, `NOT EXISTS`, joined with `&&` / `||` and grouped with parentheses; selectors are
//   dotted paths with array indices (`$.errors[0].code`).
// Space-delimited patterns (`[ip, user, ...]`) and anything else are refused, naming the pattern,
// never matched loosely.

/** A filter pattern the local cloud does not understand; FilterLogEvents answers InvalidParameterException. */
export class FilterPatternError extends Error {
  override readonly name = 'FilterPatternError';
}

/** Decides whether one log event's message matches. */
export type LogFilter = (message: string) => boolean;

/**
 * Compiles a CloudWatch Logs filter pattern; an empty pattern matches every event.
 *
 * @throws FilterPatternError for a pattern it does not support, naming it
 */
export function compileFilterPattern(pattern: string): LogFilter {
  const trimmed = pattern.trim();
  if (trimmed === '') return () => true;
  const refuse = (why: string): never => {
    throw new FilterPatternError(`Invalid filter pattern ${JSON.stringify(pattern)}: ${why}`);
  };
  if (trimmed.startsWith('[')) {
    return refuse('the local cloud does not support space-delimited patterns');
  }
  if (trimmed.startsWith('{')) {
    if (!trimmed.endsWith('}')) return refuse('a JSON pattern must end with }');
    return jsonFilter(trimmed.slice(1, -1), refuse);
  }
  return textFilter(trimmed, refuse);
}

function textFilter(pattern: string, refuse: (why: string) => never): LogFilter {
  const all: ((m: string) => boolean)[] = [];
  const none: ((m: string) => boolean)[] = [];
  const any: ((m: string) => boolean)[] = [];
  // A term: optional ? or -, then a quoted phrase, a %regex% or a bare word.
  const term = /([?-]?)(?:"((?:[^"\\]|\\.)*)"|%([^%]*)%|([^\s"%]+))(?=\s|$)/y;
  let at = 0;
  while (at < pattern.length) {
    if (/\s/.test(pattern[at] ?? '')) {
      at++;
      continue;
    }
    term.lastIndex = at;
    const match = term.exec(pattern);
    if (!match) return refuse(`cannot read the term at "${pattern.slice(at)}"`);
    at = term.lastIndex;
    const [, prefix, quoted, regex, bare] = match;
    let test: (m: string) => boolean;
    if (regex !== undefined) {
      let compiled: RegExp;
      try {
        compiled = new RegExp(regex);
      } catch {
        return refuse(`invalid regular expression %${regex}%`);
      }
      test = (m) => compiled.test(m);
    } else {
      const text = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
      test = (m) => m.includes(text);
    }
    (prefix === '?' ? any : prefix === '-' ? none : all).push(test);
  }
  return (m) =>
    all.every((t) => t(m)) &&
    !none.some((t) => t(m)) &&
    (any.length === 0 || any.some((t) => t(m)));
}

type Token =
  | { kind: 'op'; value: string }
  | { kind: 'selector'; path: (string | number)[]; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'word'; value: string };

function tokenize(source: string, refuse: (why: string) => never): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const rest = source.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const op = /^(&&|\|\||!=|<=|>=|=|<|>|\(|\))/.exec(rest);
    if (op?.[1]) {
      tokens.push({ kind: 'op', value: op[1] });
      at += op[1].length;
      continue;
    }
    const selector = /^\$((?:\.[A-Za-z_@][\w@-]*|\[\d+\])*)/.exec(rest);
    if (selector && selector[0].length > 1) {
      const path = [...(selector[1] ?? '').matchAll(/\.([^.[]+)|\[(\d+)\]/g)].map((m) =>
        m[2] !== undefined ? Number(m[2]) : (m[1] ?? ''),
      );
      tokens.push({ kind: 'selector', path, text: selector[0] });
      at += selector[0].length;
      continue;
    }
    const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
    if (quoted) {
      tokens.push({ kind: 'string', value: (quoted[1] ?? '').replace(/\\(.)/g, '$1') });
      at += quoted[0].length;
      continue;
    }
    const number = /^-?\d+(\.\d+)?([eE][-+]?\d+)?(?![\w*])/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      at += number[0].length;
      continue;
    }
    const word = /^[\w.*:/-]+/.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      at += word[0].length;
      continue;
    }
    return refuse(`unexpected "${rest.slice(0, 20)}"`);
  }
  return tokens;
}

type Predicate = (event: unknown) => boolean;

function select(event: unknown, path: readonly (string | number)[]): unknown {
  let value = event;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

function wildcard(text: string): RegExp {
  const escaped = text.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 's');
}

function jsonFilter(source: string, refuse: (why: string) => never): LogFilter {
  const predicate = new JsonPatternParser(tokenize(source, refuse), refuse).parse();
  return (message) => {
    const start = message.indexOf('{');
    if (start < 0) return false;
    let event: unknown;
    try {
      // Lambda's text-format lines put the JSON after a tab-separated prefix; JSON-format ones are JSON.
      event = JSON.parse(start === 0 ? message : message.slice(start));
    } catch {
      return false;
    }
    return predicate(event);
  };
}

/** How a refusal names a token. */
function describeToken(t: Token | undefined): string {
  return t === undefined
    ? 'the end of the pattern'
    : t.kind === 'selector'
      ? t.text
      : `"${String(t.value)}"`;
}

type Selector = Extract<Token, { kind: 'selector' }>;

/**
 * Reads a JSON pattern's tokens, by recursive descent: `||` of `&&` of comparisons and
 * parenthesized groups, `&&` binding tighter.
 */
class JsonPatternParser {
  private at = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly refuse: (why: string) => never,
  ) {}

  /** The whole pattern as one predicate; anything left over is refused. */
  parse(): Predicate {
    const predicate = this.or();
    if (this.at < this.tokens.length)
      return this.refuse(`unexpected ${describeToken(this.peek())}`);
    return predicate;
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private isOp(value: string): boolean {
    const t = this.peek();
    return t?.kind === 'op' && t.value === value;
  }

  private isWord(value: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.value.toUpperCase() === value;
  }

  private or(): Predicate {
    const parts = [this.and()];
    while (this.isOp('||')) {
      this.at++;
      parts.push(this.and());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (e) => parts.some((p) => p(e));
  }

  private and(): Predicate {
    const parts = [this.primary()];
    while (this.isOp('&&')) {
      this.at++;
      parts.push(this.primary());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (e) => parts.every((p) => p(e));
  }

  /** A parenthesized group, or a selector with its test. */
  private primary(): Predicate {
    if (this.isOp('(')) {
      this.at++;
      const inner = this.or();
      if (!this.isOp(')')) return this.refuse(`expected ) before ${describeToken(this.peek())}`);
      this.at++;
      return inner;
    }
    const selector = this.peek();
    if (selector?.kind !== 'selector') {
      return this.refuse(`expected a selector such as $.level before ${describeToken(selector)}`);
    }
    this.at++;
    if (this.isWord('IS')) return this.isTest(selector);
    if (this.isWord('NOT')) {
      this.at++;
      if (!this.isWord('EXISTS')) return this.refuse(`expected EXISTS after ${selector.text} NOT`);
      this.at++;
      return (e) => select(e, selector.path) === undefined;
    }
    return this.comparison(selector);
  }

  /** `IS NULL`, `IS TRUE` or `IS FALSE`, the IS not yet read. */
  private isTest(selector: Selector): Predicate {
    this.at++;
    const what = this.peek();
    this.at++;
    const get = (e: unknown) => select(e, selector.path);
    if (what?.kind === 'word') {
      const upper = what.value.toUpperCase();
      if (upper === 'NULL') return (e) => get(e) === null;
      if (upper === 'TRUE') return (e) => get(e) === true;
      if (upper === 'FALSE') return (e) => get(e) === false;
    }
    return this.refuse(`expected NULL, TRUE or FALSE after ${selector.text} IS`);
  }

  /** An operator and a value: numbers compare by any operator, text by `=` and `!=` with `*` wildcards. */
  private comparison(selector: Selector): Predicate {
    const op = this.peek();
    if (op?.kind !== 'op' || !['=', '!=', '<', '<=', '>', '>='].includes(op.value)) {
      return this.refuse(
        `expected a comparison after ${selector.text}, found ${describeToken(op)}`,
      );
    }
    this.at++;
    const value = this.peek();
    this.at++;
    const get = (e: unknown) => select(e, selector.path);
    if (value?.kind === 'number') return numberTest(op.value, value.value, get);
    if (value?.kind === 'string' || value?.kind === 'word') {
      if (op.value !== '=' && op.value !== '!=') {
        return this.refuse(`${op.value} compares numbers only, not ${describeToken(value)}`);
      }
      return textTest(op.value, value.value, get);
    }
    return this.refuse(`expected a value after ${selector.text} ${op.value}`);
  }
}

/** A selected value compared with a number; anything but a number never matches. */
function numberTest(op: string, n: number, get: (e: unknown) => unknown): Predicate {
  const compare: Record<string, (v: number) => boolean> = {
    '=': (v) => v === n,
    '!=': (v) => v !== n,
    '<': (v) => v < n,
    '<=': (v) => v <= n,
    '>': (v) => v > n,
    '>=': (v) => v >= n,
  };
  const test = compare[op] as (v: number) => boolean;
  return (e) => {
    const v = get(e);
    return typeof v === 'number' && test(v);
  };
}

/** A selected scalar matched against text with `*` wildcards; `!=` needs the field present. */
function textTest(op: '=' | '!=', text: string, get: (e: unknown) => unknown): Predicate {
  const matcher = wildcard(text);
  const equal = (e: unknown) => {
    const v = get(e);
    return (
      (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') &&
      matcher.test(String(v))
    );
  };
  if (op === '=') return equal;
  return (e) => get(e) !== undefined && !equal(e);
}
