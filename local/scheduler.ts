import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InvokeOutcome } from './lambda-runtime';
import { TemplateError } from './template';

/** An EventBridge Scheduler schedule that invokes a function, resolved from the template. */
export interface ScheduleSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly expression: string;
  readonly enabled: boolean;
  readonly functionName: string;
  /** The JSON payload (`Target.Input`). */
  readonly input: unknown;
  readonly maximumRetryAttempts: number;
  /** Where failed invocations go after the retries (`Target.DeadLetterConfig.Arn`, as a URL). */
  readonly deadLetterQueueUrl?: string;
}

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * Milliseconds between runs of a `rate(N unit)` expression.
 * @throws TemplateError for cron/at expressions and malformed rates, naming the schedule
 */
export function rateMs(expression: string, where: string): number {
  const match = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  const unit = match?.[2]?.replace(/s$/, '');
  if (!match || !unit) {
    throw new TemplateError(
      `${where}: the local cloud runs rate(...) schedules only, got ${JSON.stringify(expression)}`,
    );
  }
  // EventBridge refuses it too; locally it would fire without pause.
  if (Number(match[1]) === 0) {
    throw new TemplateError(`${where}: a rate must be positive, got ${JSON.stringify(expression)}`);
  }
  return Number(match[1]) * (UNIT_MS[unit] ?? 0);
}

/**
 * Runs a schedule: every period (divided by `timeScale`) invokes the target asynchronously, retries
 * a failed invocation up to `maximumRetryAttempts` times, then sends the event to the schedule's
 * DLQ with the error, as EventBridge Scheduler does.
 */
export class ScheduleRunner {
  private timer?: NodeJS.Timeout;
  private readonly running = new Set<Promise<void>>();

  constructor(
    readonly spec: ScheduleSpec,
    private readonly deps: {
      invoke: (payload: unknown) => Promise<InvokeOutcome>;
      sqs: SQSClient;
      timeScale: number;
      log: (fields: Record<string, unknown>) => void;
    },
  ) {}

  /** Invocations started by the schedule and not finished. */
  get active(): number {
    return this.running.size;
  }

  start(): void {
    if (!this.spec.enabled) return;
    const period = rateMs(this.spec.expression, this.spec.logicalId) / this.deps.timeScale;
    this.timer = setInterval(() => this.fire(), Math.max(1, period));
  }

  /** Fires one run now (what a tick does). */
  fire(): Promise<void> {
    const run = this.run().finally(() => this.running.delete(run));
    this.running.add(run);
    return run;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.running);
  }

  private async run(): Promise<void> {
    let outcome: InvokeOutcome | undefined;
    for (let attempt = 0; attempt <= this.spec.maximumRetryAttempts; attempt++) {
      outcome = await this.deps.invoke(this.spec.input);
      if (!outcome.error) return;
    }
    const error = outcome?.error;
    this.deps.log({
      level: 'ERROR',
      message: 'Scheduled invocation failed after its retries',
      schedule: this.spec.name,
      errorType: error?.errorType,
      errorMessage: error?.errorMessage,
    });
    if (!this.spec.deadLetterQueueUrl) return;
    await this.deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.spec.deadLetterQueueUrl,
        MessageBody: JSON.stringify(this.spec.input),
        MessageAttributes: {
          ERROR_CODE: { DataType: 'String', StringValue: error?.errorType ?? 'Unknown' },
          ERROR_MESSAGE: {
            DataType: 'String',
            StringValue: (error?.errorMessage ?? '').slice(0, 256) || 'none',
          },
          RETRY_ATTEMPTS: {
            DataType: 'Number',
            StringValue: String(this.spec.maximumRetryAttempts),
          },
        },
      }),
    );
  }
}
