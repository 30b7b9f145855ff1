/** Where log lines go; tests pass an array's push. */
export type LineSink = (line: string) => void;

const stdout: LineSink = (line) => {
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

/** The pipeline stages we count, one CloudWatch metric each. */
export type Stage =
  | 'Requested'
  | 'Generated'
  | 'Stored'
  | 'Acknowledged'
  | 'Duplicate'
  | 'Rejected';

/**
 * Counts per stage, flushed as one CloudWatch Embedded Metric Format line per invocation, so
 * metrics cost no API calls and arrive with the logs.
 */
export class Metrics {
  private counts = new Map<Stage, number>();

  constructor(
    private readonly namespace: string,
    private readonly service: string,
    private readonly sink: LineSink = stdout,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  add(stage: Stage, count = 1): void {
    if (count > 0) this.counts.set(stage, (this.counts.get(stage) ?? 0) + count);
  }

  /** Writes the EMF line (if anything was counted) and starts over. */
  flush(): void {
    if (this.counts.size === 0) return;
    const names = [...this.counts.keys()];
    this.sink(
      JSON.stringify({
        _aws: {
          Timestamp: this.clock().getTime(),
          CloudWatchMetrics: [
            {
              Namespace: this.namespace,
              Dimensions: [['Service']],
              Metrics: names.map((name) => ({ Name: name, Unit: 'Count' })),
            },
          ],
        },
        Service: this.service,
        ...Object.fromEntries(this.counts),
      }),
    );
    this.counts.clear();
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
