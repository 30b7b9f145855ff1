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
  const tokens = tokenize(source, refuse);
  let at = 0;
  const peek = () => tokens[at];
  const isOp = (value: string) => {
    const t = peek();
    return t?.kind === 'op' && t.value === value;
  };
  const isWord = (value: string) => {
    const t = peek();
    return t?.kind === 'word' && t.value.toUpperCase() === value;
  };
  const describe = (t: Token | undefined) =>
    t === undefined
      ? 'the end of the pattern'
      : t.kind === 'selector'
        ? t.text
        : `"${String(t.value)}"`;

  const or = (): Predicate => {
    const parts = [and()];
    while (isOp('||')) {
      at++;
      parts.push(and());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (e) => parts.some((p) => p(e));
  };
  const and = (): Predicate => {
    const parts = [primary()];
    while (isOp('&&')) {
      at++;
      parts.push(primary());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (e) => parts.every((p) => p(e));
  };
  const primary = (): Predicate => {
    if (isOp('(')) {
      at++;
      const inner = or();
      if (!isOp(')')) return refuse(`expected ) before ${describe(peek())}`);
      at++;
      return inner;
    }
    const selector = peek();
    if (selector?.kind !== 'selector') {
      return refuse(`expected a selector such as $.level before ${describe(selector)}`);
    }
    at++;
    const get = (e: unknown) => select(e, selector.path);
    if (isWord('IS')) {
      at++;
      const what = peek();
      at++;
      if (what?.kind === 'word') {
        const upper = what.value.toUpperCase();
        if (upper === 'NULL') return (e) => get(e) === null;
        if (upper === 'TRUE') return (e) => get(e) === true;
        if (upper === 'FALSE') return (e) => get(e) === false;
      }
      return refuse(`expected NULL, TRUE or FALSE after ${selector.text} IS`);
    }
    if (isWord('NOT')) {
      at++;
      if (!isWord('EXISTS')) return refuse(`expected EXISTS after ${selector.text} NOT`);
      at++;
      return (e) => get(e) === undefined;
    }
    const op = peek();
    if (op?.kind !== 'op' || !['=', '!=', '<', '<=', '>', '>='].includes(op.value)) {
      return refuse(`expected a comparison after ${selector.text}, found ${describe(op)}`);
    }
    at++;
    const value = peek();
    at++;
    if (value?.kind === 'number') {
      const n = value.value;
      const compare: Record<string, (v: number) => boolean> = {
        '=': (v) => v === n,
        '!=': (v) => v !== n,
        '<': (v) => v < n,
        '<=': (v) => v <= n,
        '>': (v) => v > n,
        '>=': (v) => v >= n,
      };
      const test = compare[op.value] as (v: number) => boolean;
      return (e) => {
        const v = get(e);
        return typeof v === 'number' && test(v);
      };
    }
    if (value?.kind === 'string' || value?.kind === 'word') {
      if (op.value !== '=' && op.value !== '!=') {
        return refuse(`${op.value} compares numbers only, not ${describe(value)}`);
      }
      const matcher = wildcard(value.value);
      const equal = (e: unknown) => {
        const v = get(e);
        return (
          (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') &&
          matcher.test(String(v))
        );
      };
      if (op.value === '=') return equal;
      return (e) => get(e) !== undefined && !equal(e);
    }
    return refuse(`expected a value after ${selector.text} ${op.value}`);
  };

  const predicate = or();
  if (at < tokens.length) return refuse(`unexpected ${describe(peek())}`);
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
