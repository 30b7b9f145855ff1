import { ConfigError, describeError } from './errors';

/** Where log lines go; tests pass an array's push. */
export type LineSink = (line: string) => void;

/** Standard output, one line per call. */
export const stdout: LineSink = (line) => {
  // Written raw, not via console: with Lambda's JSON log format console output is wrapped,
  // which would hide our fields and break EMF extraction. The price is that Lambda's log-level
  // filter (which acts on console calls) does not apply, so the Logger filters by itself.
  process.stdout.write(`${line}\n`);
};

/** Lambda's application log levels (advanced logging controls), least severe first. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Set by Lambda from the function's application log level (JSON log format only). */
const LAMBDA_LOG_LEVEL = 'AWS_LAMBDA_LOG_LEVEL';
/** Our own setting, for runtimes without advanced logging controls (the local cloud, tests). */
const LOG_LEVEL = 'LOG_LEVEL';

/**
 * The log level the environment asks for: `AWS_LAMBDA_LOG_LEVEL`, else `LOG_LEVEL`, else INFO.
 * Case does not matter. Throws ConfigError naming the variable if its value is not a level, so
 * a typo fails the function at init instead of silently logging at another level.
 */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  for (const name of [LAMBDA_LOG_LEVEL, LOG_LEVEL]) {
    const raw = env[name];
    if (!raw) continue;
    const level = LOG_LEVELS.find((candidate) => candidate === raw.toUpperCase());
    if (!level)
      throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
    return level;
  }
  return 'INFO';
}

type Fields = Record<string, unknown>;

/** How a Logger writes; every option has a production default. */
export interface LoggerOptions {
  /** Lines below this level are dropped. @default logLevelFromEnv() */
  readonly level?: LogLevel;
  /** @default standard output */
  readonly sink?: LineSink;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/**
 * A structured JSON logger: one line per event, with persistent fields (service, and per
 * invocation the Lambda request id, X-Ray trace id and cold start flag) merged into each, so
 * logs correlate by `requestId` across both services and by `xray_trace_id` with traces.
 *
 * A field named `error`, and any field holding an Error, is written as `{ name, message, stack,
 * ... }` whatever was thrown. Logging never throws: a line that cannot be serialized is
 * replaced by one saying so.
 */
export class Logger {
  private readonly level: LogLevel;
  private readonly threshold: number;
  private readonly sink: LineSink;
  private readonly clock: () => Date;

  constructor(
    private readonly fields: Fields,
    options: LoggerOptions = {},
  ) {
    this.level = options.level ?? logLevelFromEnv();
    this.threshold = LOG_LEVELS.indexOf(this.level);
    this.sink = options.sink ?? stdout;
    this.clock = options.clock ?? (() => new Date());
  }

  /** A logger that adds `fields` to every line, at the same level and to the same sink. */
  child(fields: Fields): Logger {
    return new Logger(
      { ...this.fields, ...fields },
      { level: this.level, sink: this.sink, clock: this.clock },
    );
  }

  debug(message: string, fields?: Fields): void {
    this.write('DEBUG', message, fields);
  }
  info(message: string, fields?: Fields): void {
    this.write('INFO', message, fields);
  }
  warn(message: string, fields?: Fields): void {
    this.write('WARN', message, fields);
  }
  error(message: string, fields?: Fields): void {
    this.write('ERROR', message, fields);
  }

  private write(level: LogLevel, message: string, fields?: Fields): void {
    if (LOG_LEVELS.indexOf(level) < this.threshold) return;
    const head = { timestamp: this.clock().toISOString(), level, message };
    const line: Fields = { ...head, ...this.fields, ...fields };
    if (fields && 'error' in fields) line.error = describeError(fields.error);
    let json: string;
    try {
      json = JSON.stringify(line, serializable);
    } catch (error) {
      json = JSON.stringify({
        ...head,
        ...this.fields,
        logFailure: `fields could not be serialized: ${describeError(error).message}`,
      });
    }
    this.sink(json);
  }
}

function serializable(_key: string, value: unknown): unknown {
  if (value instanceof Error) return describeError(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}
