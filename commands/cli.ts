/**
 * How every command reads its command line: one declaration per command (summary, options with
 * their help, examples) gives the parser, `--help` and the usage line, so they cannot disagree.
 */

import { pathToFileURL } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { nearest } from '../lib/nearest';
import { AllowHostError, parseAllowedHost } from '../local/endpoint/guard/host-allowlist';
import { SessionError } from '../local/session/errors';
import { resolveTarget, type Target, TargetError } from '../ops/target';

/**
 * A command-line mistake: reported in one line (pointing at `--help` unless told not to), exit 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** Whether the line ends by pointing at the command's `--help`. */
  readonly showUsage: boolean;

  constructor(message: string, options: { showUsage?: boolean } = {}) {
    super(message);
    this.showUsage = options.showUsage ?? true;
  }
}

/** A failure the user can act on, told in its own words: printed as its message alone, exit 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/** One option: node's parseArgs settings plus what `--help` says about it. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & {
  /** What the option does, in one line. */
  readonly description: string;
  /** Placeholder for the value in usage lines (`N`, `URL`). @default VALUE */
  readonly placeholder?: string;
};
/** A command's options by long name. */
export type OptionSpecs = Record<string, OptionSpec>;

/** Everything a command tells its users about how to call it. */
export interface CommandSpec<O extends OptionSpecs> {
  /** How it is run, up to the options: `npm run inspect --`. */
  readonly invocation: string;
  /** What it does, in a sentence or two. */
  readonly summary: string;
  readonly options: O;
  /**
   * The options part of the usage line, when brackets around each option do not say it (required
   * or exclusive options). @default every option, in brackets
   */
  readonly synopsis?: string;
  /** Whole command lines, each shown under "Examples". */
  readonly examples: readonly string[];
  /**
   * Positional arguments, in order (`FUNCTION`, `EVENT.json`); main receives them as given.
   * @default none: a positional argument is a usage error
   */
  readonly arguments?: readonly ArgumentSpec[];
}

/** One positional argument: its name in usage lines and what it is. */
export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  /** @default false */
  readonly required?: boolean;
}

/** The options every command that talks to a deployed or local pipeline takes. */
export const TARGET_OPTIONS = {
  endpoint: {
    type: 'string',
    placeholder: 'URL',
    description: 'one endpoint for every service, e.g. LocalStack at http://localhost:4566',
  },
  region: {
    type: 'string',
    placeholder: 'REGION',
    description: 'AWS region (default: AWS_REGION, the profile region, us-east-1); means AWS',
  },
  stack: {
    type: 'string',
    placeholder: 'NAME',
    description: 'stack name (default: StringPipeline); means AWS unless --endpoint is given',
  },
  profile: {
    type: 'string',
    placeholder: 'NAME',
    description: 'profile from the shared AWS config files, for credentials',
  },
  state: {
    type: 'string',
    placeholder: 'FILE',
    description: 'state file of a local cloud (default: .local-cloud/state.json)',
  },
} as const satisfies OptionSpecs;

/** `--name VALUE`, `--flag` or `-c, --name VALUE...`, as usage lines and help show an option. */
function optionSyntax(name: string, spec: OptionSpec): string {
  const value = spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : '';
  return `--${name}${value}${spec.multiple ? '...' : ''}`;
}

/** The options of `options` as usage-line syntax: `[--peek N] [--json]`. */
export function synopsisOf(options: OptionSpecs): string {
  return Object.entries(options)
    .map(([name, spec]) => `[${optionSyntax(name, spec)}]`)
    .join(' ');
}

/** `usage: npm run inspect -- [--peek N] ...`, one line. */
export function usageLine(spec: CommandSpec<OptionSpecs>): string {
  const args = (spec.arguments ?? []).map((a) => (a.required ? a.name : `[${a.name}]`));
  const parts = [spec.invocation, ...args, spec.synopsis ?? synopsisOf(spec.options)];
  return `usage: ${parts.filter((part) => part !== '').join(' ')}`;
}

/** What `--help` prints: usage, summary, every option described, examples. */
export function helpText(spec: CommandSpec<OptionSpecs>): string {
  const rows = Object.entries(spec.options).map(([name, option]) => {
    const flags = `${option.short ? `-${option.short}, ` : '    '}${optionSyntax(name, option)}`;
    const fallback =
      option.default === undefined ||
      option.default === false ||
      (Array.isArray(option.default) && option.default.length === 0)
        ? ''
        : ` (default: ${String(option.default)})`;
    return [flags, `${option.description}${fallback}`] as const;
  });
  rows.push(['-h, --help', 'show this help and exit']);
  const args = (spec.arguments ?? []).map((a) => [a.name, a.description] as const);
  const width = Math.max(...[...rows, ...args].map(([flags]) => flags.length));
  return [
    usageLine(spec),
    '',
    spec.summary,
    '',
    ...(args.length > 0
      ? ['Arguments:', ...args.map(([name, text]) => `  ${name.padEnd(width)}  ${text}`), '']
      : []),
    'Options:',
    ...rows.map(([flags, text]) => `  ${flags.padEnd(width)}  ${text}`),
    '',
    'Examples:',
    ...spec.examples.map((example) => `  ${example}`),
  ].join('\n');
}

/**
 * Parses argv strictly, positional arguments as `spec` declares them; unknown options, missing
 * values, missing required arguments and extra ones become a {@link UsageError}.
 */
export function parseCommandLine<O extends OptionSpecs>(argv: string[], spec: CommandSpec<O>) {
  const declared = spec.arguments ?? [];
  let parsed: { values: ReturnType<typeof parse<O>>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: spec.options, strict: true, allowPositionals: true });
  } catch (error) {
    throw parseFailure(error, argv, spec.options);
  }
  const extra = parsed.positionals[declared.length];
  if (extra !== undefined) throw new UsageError(`Unexpected argument '${extra}'`);
  const missing = declared.find((a, i) => a.required && parsed.positionals[i] === undefined);
  if (missing) throw new UsageError(`Missing ${missing.name}`);
  return parsed;
}

/** Parses argv strictly; unknown options, missing values and stray arguments become a {@link UsageError}. */
export function parse<O extends OptionSpecs>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw parseFailure(error, argv, options);
  }
}

/** node's parseArgs error as one {@link UsageError} line. */
function parseFailure(error: unknown, argv: string[], options: OptionSpecs): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  // node explains an option followed by a dash value (`--requests -5`) in three lines; say it in one.
  const ambiguous = /^Option '(--?[\w-]+)' argument is ambiguous/.exec(message);
  if (ambiguous?.[1]) {
    const given = ambiguous[1];
    const value = argv[argv.indexOf(given) + 1] ?? '';
    const long = given.startsWith('--')
      ? given
      : `--${Object.keys(options).find((name) => options[name]?.short === given.slice(1))}`;
    return new UsageError(
      `${given} got ${value}, which looks like an option; write ${long}=${value} if it is the value`,
    );
  }
  const first = message.split('\n')[0] ?? message;
  const unknown = /^Unknown option '(-[^']*)'/.exec(first)?.[1];
  if (unknown) {
    const names = Object.keys(options).map((name) => `--${name}`);
    const guess = nearest(unknown.replace(/=.*$/, ''), names);
    // Not node's advice on positional arguments that start with a dash: these commands take none.
    return new UsageError(`Unknown option '${unknown}'${guess ? `; did you mean ${guess}?` : ''}`);
  }
  return new UsageError(first);
}

/**
 * An integer option's value, or a {@link UsageError} naming the option, its range and the value.
 * Only plain decimal digits count: `1e3`, `0x10`, `-5`, `+5` and `5.0` are refused, because
 * a count that `Number()` happens to read is not necessarily the count the caller meant.
 */
export function integerOption(
  name: string,
  raw: string,
  range: { min: number; max?: number },
): number {
  return integerValue(`--${name}`, raw, range);
}

/** A positional argument's integer value (`SAVES`), read as {@link integerOption} reads one. */
export function integerArgument(
  name: string,
  raw: string,
  range: { min: number; max?: number },
): number {
  return integerValue(name, raw, range);
}

function integerValue(label: string, raw: string, range: { min: number; max?: number }): number {
  const { min, max } = range;
  const value = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || (max !== undefined && value > max)) {
    const allowed = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${label} must be an integer ${allowed}, got ${raw}`);
  }
  return value;
}

/**
 * A positive number option's value (`2`, `0.5`, `60`), or a {@link UsageError} naming the option
 * and the value. Decimal notation only, finite and above zero: `Infinity`, `1e3`, `0x10` and `-1`
 * are refused.
 */
export function positiveNumberOption(name: string, raw: string): number {
  const value = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${name} must be a positive decimal number, got ${raw}`);
  }
  return value;
}

/** `-c KEY=VALUE` pairs as CDK context, or a {@link UsageError} naming the pair that is not one. */
export function contextOption(pairs: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`-c takes key=value, got ${JSON.stringify(pair)}`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}

/** The `--allow-host` option of the commands that serve on 127.0.0.1. */
export const ALLOW_HOST_OPTION = {
  type: 'string',
  multiple: true,
  default: [] as string[],
  placeholder: 'NAME',
  description:
    'also answer requests addressed to NAME or NAME:PORT (besides 127.0.0.1, localhost and [::1] on the port); others get 403 (repeatable)',
} as const;

/** `--allow-host` values, each checked, or a usage error naming the first bad one. */
export function allowHostsOption(values: readonly string[]): string[] {
  try {
    return values.map(parseAllowedHost);
  } catch (error) {
    if (error instanceof AllowHostError) throw new UsageError(error.message);
    throw error;
  }
}

/** The target named by the parsed target options. */
export function targetFrom(values: {
  endpoint?: string;
  region?: string;
  stack?: string;
  profile?: string;
  state?: string;
}): Promise<Target> {
  return resolveTarget({
    endpoint: values.endpoint,
    region: values.region,
    stack: values.stack,
    profile: values.profile,
    stateFile: values.state,
  });
}

/**
 * Runs a command: `--help` or `-h` anywhere prints the help on stdout and exits 0; otherwise
 * parses argv by `spec` and runs `main` with the values. Exit code: what `main` returns (0 if
 * nothing), 2 for usage errors, 1 for anything else, each error printed as one line on stderr.
 */
/** What a command's main returns: its exit code (undefined is 0). */
export type CommandMain<O extends OptionSpecs> = (
  values: ReturnType<typeof parse<O>>,
  positionals: readonly string[],
) => Promise<number | undefined>;

/** Where {@link executeCommand} writes help and errors: stdout and stderr, unless a test listens. */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

const CONSOLE_OUTPUT: CommandOutput = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};

/**
 * Runs a command as its script would, without exiting: `--help` or `-h` prints the help (exit 0),
 * otherwise argv is parsed and `main` run; a {@link UsageError} is one line, pointing at
 * `--help` unless it says not to (exit 2); a {@link CommandError} or {@link TargetError} its message alone
 * (exit 1); a {@link SessionError} its message alone (exit 2 if `invalid`, else 1); anything else
 * its name and message (exit 1).
 *
 * @returns the exit code
 */
export async function executeCommand<O extends OptionSpecs>(
  spec: CommandSpec<O>,
  main: CommandMain<O>,
  argv: string[],
  output: CommandOutput = CONSOLE_OUTPUT,
): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Help wins over everything else on the line, mistakes included, as in most CLIs.
  if (argv.includes('--help') || argv.includes('-h')) {
    output.out(helpText(spec));
    return 0;
  }
  try {
    const { values, positionals } = parseCommandLine(argv, spec);
    return (await main(values, positionals)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(
        error.showUsage
          ? `Usage error: ${error.message} (${spec.invocation} --help for usage)`
          : error.message,
      );
      return 2;
    }
    if (error instanceof TargetError || error instanceof CommandError) {
      output.err(error.message);
      return 1;
    }
    if (error instanceof SessionError) {
      output.err(error.message);
      return error.kind === 'invalid' ? 2 : 1;
    }
    output.err(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return 1;
  }
}

/** A command's script: {@link executeCommand} on the process's arguments, then exit with its code. */
export function runCommand<O extends OptionSpecs>(
  spec: CommandSpec<O>,
  main: CommandMain<O>,
  argv: string[] = process.argv.slice(2),
): void {
  void executeCommand(spec, main, argv).then((code) => process.exit(code));
}

/** True when the module at `moduleUrl` is the script node was started with (not an import). */
export function isMain(moduleUrl: string): boolean {
  return moduleUrl === pathToFileURL(process.argv[1] ?? '').href;
}
