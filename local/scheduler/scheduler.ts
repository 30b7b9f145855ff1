/**
 * EventBridge Scheduler for the local cloud: `rate(...)` expressions, the context attributes it
 * substitutes in a target's input, and the runner that fires, retries and dead-letters each tick.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TemplateError } from '../../aws/template';

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

/** The values EventBridge Scheduler substitutes for its context attributes in a target's input. */
export interface ScheduleContext {
  readonly scheduleArn: string;
  /** The tick's scheduled time, ISO-8601 to the second; the same on every retry of the tick. */
  readonly scheduledTime: string;
  /** One per attempt. */
  readonly executionId: string;
  readonly attemptNumber: number;
}

/**
 * The target input with Scheduler's context attributes (`<aws.scheduler.scheduled-time>` and the
 * others) replaced, as Scheduler does at each invocation.
 */
export function substituteContext(input: unknown, context: ScheduleContext): unknown {
  const values: Record<string, string> = {
    '<aws.scheduler.schedule-arn>': context.scheduleArn,
    '<aws.scheduler.scheduled-time>': context.scheduledTime,
    '<aws.scheduler.execution-id>': context.executionId,
    '<aws.scheduler.attempt-number>': String(context.attemptNumber),
  };
  const text = JSON.stringify(input).replace(
    /<aws\.scheduler\.[a-z-]+>/g,
    (attribute) => values[attribute] ?? attribute,
  );
  return JSON.parse(text) as unknown;
}

/**
 * Runs a schedule: every period (divided by `timeScale`) delivers the target input, with the
 * context attributes substituted, to `invoke`; an invocation that could not be delivered is
 * retried up to `maximumRetryAttempts` times, then sent to the schedule's DLQ with the error, as
 * EventBridge Scheduler does. Scheduler invokes a function asynchronously, so `invoke` reports
 * delivery only: a function error is Lambda's to retry, not Scheduler's.
 *
 * Each tick's scheduled time advances by the schedule's own rate from the start (not the scaled
 * period), so ticks stay distinct and read like the ones AWS would pass.
 */
export class ScheduleRunner {
  private timer?: NodeJS.Timeout;
  private readonly running = new Set<Promise<void>>();
  private readonly firstTick = Math.floor(Date.now() / 1000) * 1000;
  private ticks = 0;

  constructor(
    public spec: ScheduleSpec,
    private readonly deps: {
      /** Delivers the event; an `error` means it was not delivered. */
      invoke: (
        payload: unknown,
      ) => Promise<{ error?: { errorType: string; errorMessage: string } }>;
      sqs: SQSClient;
      timeScale: number;
      log: (fields: Record<string, unknown>) => void;
      /** @default `arn:aws:scheduler:us-east-1:000000000000:schedule/default/<name>` */
      scheduleArn?: string;
      /** The target's ARN, for the dead-letter event's `TARGET_ARN`. @default the function name */
      targetArn?: string;
    },
  ) {}

  /** Invocations started by the schedule and not finished. */
  get active(): number {
    return this.running.size;
  }

  /** Whether start() was called: a disabled schedule that becomes enabled then runs. */
  private wasStarted = false;

  /** Starts firing on the schedule's rate; a schedule already running keeps its timer. */
  start(): void {
    this.wasStarted = true;
    if (!this.spec.enabled || this.timer !== undefined) return;
    const period = rateMs(this.spec.expression, this.spec.logicalId) / this.deps.timeScale;
    this.timer = setInterval(() => this.fire(), Math.max(1, period));
  }

  /** Fires the next tick now (what the timer does). */
  fire(): Promise<void> {
    this.ticks += 1;
    const scheduledTime = new Date(
      this.firstTick + this.ticks * rateMs(this.spec.expression, this.spec.logicalId),
    )
      .toISOString()
      .replace('.000Z', 'Z');
    const run = this.run(scheduledTime).finally(() => this.running.delete(run));
    this.running.add(run);
    return run;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.running);
  }

  /**
   * Applies a schedule's new settings (expression, state, input, retries), as UpdateSchedule
   * does: a running schedule restarts its timer with them; a stopped one stays stopped.
   */
  async update(spec: ScheduleSpec): Promise<void> {
    const running = this.timer !== undefined;
    await this.stop();
    this.spec = spec;
    if (running || (spec.enabled && this.wasStarted)) this.start();
  }

  private async run(scheduledTime: string): Promise<void> {
    let outcome: { error?: { errorType: string; errorMessage: string } } | undefined;
    let payload: unknown;
    let executionId = '';
    const scheduleArn =
      this.deps.scheduleArn ??
      `arn:aws:scheduler:us-east-1:000000000000:schedule/default/${this.spec.name}`;
    for (let attempt = 0; attempt <= this.spec.maximumRetryAttempts; attempt++) {
      executionId = randomUUID();
      payload = substituteContext(this.spec.input, {
        scheduleArn,
        scheduledTime,
        executionId,
        attemptNumber: attempt + 1,
      });
      outcome = await this.deps.invoke(payload);
      if (!outcome.error) return;
    }
    const error = outcome?.error;
    this.deps.log({
      level: 'ERROR',
      message: 'Scheduled invocation could not be delivered after its retries',
      schedule: this.spec.name,
      errorType: error?.errorType,
      errorMessage: error?.errorMessage,
    });
    if (!this.spec.deadLetterQueueUrl) return;
    // Scheduler's dead-letter event: the target input as body, what went wrong as String
    // message attributes, as EventBridge Scheduler documents them.
    const attributes: Record<string, string> = {
      ERROR_CODE: error?.errorType ?? 'Unknown',
      ERROR_MESSAGE: (error?.errorMessage ?? '').slice(0, 256) || 'none',
      EXECUTION_ID: executionId,
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      IS_PAYLOAD_TRUNCATED: 'false',
      RETRY_ATTEMPTS: String(this.spec.maximumRetryAttempts),
      SCHEDULED_TIME: scheduledTime,
      SCHEDULE_ARN: scheduleArn,
      TARGET_ARN: this.deps.targetArn ?? this.spec.functionName,
    };
    await this.deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.spec.deadLetterQueueUrl,
        MessageBody: JSON.stringify(payload),
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([name, value]) => [
            name,
            { DataType: 'String', StringValue: value },
          ]),
        ),
      }),
    );
  }
}
