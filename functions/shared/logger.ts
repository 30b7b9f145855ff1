/** Where log lines go; tests pass an array's push. */
export type LineSink = (line: string) => void;

/** Standard output, one line per call. */
export const stdout: LineSink = (line) => {
  // Written raw, not via console: with Lambda's JSON log format console output is wrapped,
  // which would hide our fields and break EMF extraction.
  process.stdout.write(`${line}\n`);
};

type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
type Fields = Record<string, unknown>;

/**
 * A structured JSON logger: one line per event, with persistent fields (service, the Lambda
 * request id) merged into each, so logs correlate by `requestId` across both services.
 */
export class Logger {
  constructor(
    private readonly fields: Fields,
    private readonly sink: LineSink = stdout,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** A logger that adds `fields` to every line. */
  child(fields: Fields): Logger {
    return new Logger({ ...this.fields, ...fields }, this.sink, this.clock);
  }

  debug(message: string, fields?: Fields): void {
    if (process.env.LOG_LEVEL === 'DEBUG') this.write('DEBUG', message, fields);
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

  private write(level: Level, message: string, fields?: Fields): void {
    this.sink(
      JSON.stringify({
        timestamp: this.clock().toISOString(),
        level,
        message,
        ...this.fields,
        ...fields,
      }),
    );
  }
}

/** Dependencies with a logger that stamps every line with the Lambda invocation's request id. */
export function withInvocation<D extends { readonly logger: Logger }>(
  deps: D,
  context?: { readonly awsRequestId?: string },
): D {
  if (!context?.awsRequestId) return deps;
  return { ...deps, logger: deps.logger.child({ awsRequestId: context.awsRequestId }) };
}
