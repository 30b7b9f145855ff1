/**
 * Lambda's asynchronous invocation: each function's EventInvokeConfig (set by CloudFormation), and
 * the invoker that retries a failed event and sends its last failure to the on-failure destination.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InvokeOutcome } from './runtime';

/** A function's `AWS::Lambda::EventInvokeConfig`: how Lambda treats its async invocations. */
export interface AsyncInvokeConfig {
  /** Retries after the first attempt (0-2). */
  readonly maximumRetryAttempts: number;
  /** Where an event goes after its last attempt fails (`DestinationConfig.OnFailure`, as a URL). */
  readonly onFailureQueueUrl?: string;
}

/** Lambda's defaults for a function without an EventInvokeConfig. */
export const DEFAULT_ASYNC_CONFIG: AsyncInvokeConfig = { maximumRetryAttempts: 2 };

/**
 * Lambda waits about a minute before the first retry of a failed async invocation and two
 * before the second (divided by the local cloud's time scale).
 */
const RETRY_DELAYS_MS = [60_000, 120_000];

/**
 * Lambda's asynchronous invocation (`InvocationType: Event`, what EventBridge Scheduler uses):
 * the event is accepted at once, then run; a failed run is retried with the same request id
 * (so a handler can key idempotency on it) up to the function's `MaximumRetryAttempts`, and an
 * event whose last attempt failed is sent to the on-failure destination as an invocation record
 * (`requestContext`, `requestPayload`, `responseContext`, `responsePayload`), as Lambda does.
 */
export class AsyncInvoker {
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly deps: {
      readonly configs: Map<string, AsyncInvokeConfig>;
      readonly invoke: (fn: string, payload: unknown, requestId: string) => Promise<InvokeOutcome>;
      readonly functionArn: (fn: string) => string;
      /**
       * The client that sends `fn`'s invocation records: signed with its execution role, which
       * Lambda uses for destinations, so a missing `sqs:SendMessage` grant fails as on AWS.
       */
      readonly sqsFor: (fn: string) => SQSClient;
      readonly timeScale: number;
      readonly log: (fields: Record<string, unknown>) => void;
    },
  ) {}

  /** Async invocations accepted and not finished (retries and their waits included). */
  get active(): number {
    return this.running.size;
  }

  /** Accepts the event for `fn` and returns the invocation's request id; the run goes on. */
  invoke(fn: string, payload: unknown): string {
    const requestId = randomUUID();
    const run = this.run(fn, payload, requestId)
      .catch((error: unknown) =>
        this.deps.log({
          level: 'ERROR',
          message: 'Could not deliver a failed asynchronous invocation to its destination',
          function: fn,
          requestId,
          error: String(error),
        }),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
    return requestId;
  }

  /** Abandons pending retries (as a shutdown would) and waits for the attempts in progress. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.running);
  }

  private async run(fn: string, payload: unknown, requestId: string): Promise<void> {
    const config = this.deps.configs.get(fn) ?? DEFAULT_ASYNC_CONFIG;
    let outcome: InvokeOutcome | undefined;
    let attempts = 0;
    for (let attempt = 0; attempt <= config.maximumRetryAttempts; attempt++) {
      if (attempt > 0) {
        const delay = (RETRY_DELAYS_MS[attempt - 1] ?? 120_000) / this.deps.timeScale;
        if (!(await this.wait(delay))) return;
      }
      attempts += 1;
      outcome = await this.deps.invoke(fn, payload, requestId);
      if (!outcome.error) return;
      this.deps.log({
        level: 'ERROR',
        message: 'Asynchronous invocation failed',
        function: fn,
        requestId,
        attempt: attempts,
        errorType: outcome.error.errorType,
        errorMessage: outcome.error.errorMessage,
      });
    }
    if (!config.onFailureQueueUrl) return;
    const record = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId,
        functionArn: `${this.deps.functionArn(fn)}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: attempts,
      },
      requestPayload: payload,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: outcome?.error?.errorType,
        errorMessage: outcome?.error?.errorMessage,
      },
    };
    await this.deps.sqsFor(fn).send(
      new SendMessageCommand({
        QueueUrl: config.onFailureQueueUrl,
        MessageBody: JSON.stringify(record),
      }),
    );
  }

  /** Waits `ms`; false if the invoker stopped meanwhile. */
  private wait(ms: number): Promise<boolean> {
    const signal = this.stopping.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', abort);
        resolve(true);
      }, ms);
      const abort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', abort, { once: true });
    });
  }
}
