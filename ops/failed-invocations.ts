/**
 * The two queues of failed asynchronous requestor invocations: the schedule's DLQ (ticks
 * EventBridge Scheduler could not deliver) and the requestor's on-failure destination (async
 * invocations Lambda gave up on after its retries). Reads each message's reason and payload,
 * whichever service wrote it, and redrives by re-invoking the requestor asynchronously with the
 * payload, on any target. `inspect`, `redrive` and reconciliation use it.
 */
import { GetQueueAttributesCommand, type Message, SQSClient } from '@aws-sdk/client-sqs';
import { Output, type OutputKey } from '../contract/contract';
import { type ActOutcome, type DrainFailure, describeError, drainQueue } from './drain';
import { requireOutput, type Target } from './target';

/** A queue of failed requestor invocations, as the commands name it. */
export interface FailedInvocationQueue {
  /** `schedule-dlq`, `requestor-failures`: the name `redrive --queue` takes. */
  readonly label: string;
  readonly output: OutputKey;
  readonly description: string;
}

/** The failed-invocation queues a stack may have, by the stack output naming each. */
export const FAILED_INVOCATION_QUEUES = [
  {
    label: 'schedule-dlq',
    output: Output.ScheduleDlqUrl,
    description: 'scheduled ticks EventBridge Scheduler could not deliver to the requestor',
  },
  {
    label: 'requestor-failures',
    output: Output.RequestorFailureDlqUrl,
    description: 'asynchronous requestor invocations that failed every retry',
  },
] as const satisfies readonly FailedInvocationQueue[];
export type FailedInvocationLabel = (typeof FAILED_INVOCATION_QUEUES)[number]['label'];

/**
 * Who wrote a failed-invocation message, which decides where its reason and payload are:
 * - `scheduler`: a Scheduler dead-letter event; the body is the target input, the reason is in
 *   the `ERROR_CODE`/`ERROR_MESSAGE` message attributes (with `RETRY_ATTEMPTS`,
 *   `EXHAUSTED_RETRY_CONDITION`, `SCHEDULED_TIME`, ...).
 * - `destination`: a Lambda on-failure destination's invocation record, JSON with
 *   `requestContext` (`condition`, `approximateInvokeCount`, `requestId`), `requestPayload`,
 *   `responseContext.functionError` and `responsePayload` (`errorType`, `errorMessage`).
 * - `lambda-dlq`: Lambda's async DLQ (a function's `DeadLetterConfig`); the body is the raw
 *   payload, the reason in the `ErrorCode`/`ErrorMessage`/`RequestID` attributes.
 * - `unknown`: none of these; not redriven.
 */
export type FailedInvocationSource = 'scheduler' | 'destination' | 'lambda-dlq' | 'unknown';

/** One failed invocation, as inspect shows it and redrive replays it. */
export interface FailedInvocation {
  readonly messageId: string;
  readonly receiveCount: number;
  /** When the message reached the queue. */
  readonly sentAt?: string;
  readonly source: FailedInvocationSource;
  /** `AccessDeniedException`, `Error`, `Unhandled`, ... */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** Why the retries stopped: `RetriesExhausted`, `EventAgeExceeded`, `MaximumRetryAttempts`, ... */
  readonly condition?: string;
  /** Attempts made, first included. */
  readonly attempts?: number;
  /** The Lambda request id of the failed invocation (destination and Lambda DLQ records). */
  readonly requestId?: string;
  /** The tick's scheduled time (Scheduler events). */
  readonly scheduledTime?: string;
  /** The payload the invocation had; absent when the message holds none that can be replayed. */
  readonly payload?: unknown;
  /** Why the message cannot be replayed, when it cannot. */
  readonly payloadProblem?: string;
  /** The reason in one line: `RetriesExhausted after 3 attempts: Error: boom`. */
  readonly reason: string;
  /** The body, cut to 200 characters. */
  readonly body: string;
}

/** Reads what failed, why, and with which payload, from a failed-invocation message. */
export function readFailedInvocation(message: Message): FailedInvocation {
  const attributes = message.MessageAttributes ?? {};
  const attribute = (name: string) => attributes[name]?.StringValue;
  const body = message.Body ?? '';
  const base = {
    messageId: message.MessageId ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    ...(message.Attributes?.SentTimestamp
      ? { sentAt: new Date(Number(message.Attributes.SentTimestamp)).toISOString() }
      : {}),
    body: body.length > 200 ? `${body.slice(0, 200)}…` : body,
  };
  const parsed = parseJson(body);

  if (attribute('ERROR_CODE') !== undefined) {
    const retries = Number(attribute('RETRY_ATTEMPTS'));
    const truncated = attribute('IS_PAYLOAD_TRUNCATED') === 'true';
    return withReason({
      ...base,
      source: 'scheduler',
      errorCode: attribute('ERROR_CODE'),
      errorMessage: attribute('ERROR_MESSAGE'),
      condition: attribute('EXHAUSTED_RETRY_CONDITION'),
      ...(Number.isInteger(retries) ? { attempts: retries + 1 } : {}),
      scheduledTime: attribute('SCHEDULED_TIME'),
      // Scheduler's target input need not be JSON; a Lambda target gets it as the event.
      ...(truncated
        ? { payloadProblem: 'Scheduler truncated the payload (IS_PAYLOAD_TRUNCATED)' }
        : { payload: parsed.ok ? parsed.value : body }),
    });
  }
  if (attribute('ErrorCode') !== undefined || attribute('RequestID') !== undefined) {
    return withReason({
      ...base,
      source: 'lambda-dlq',
      errorCode: attribute('ErrorCode'),
      errorMessage: attribute('ErrorMessage'),
      requestId: attribute('RequestID'),
      ...(parsed.ok
        ? { payload: parsed.value }
        : { payloadProblem: 'the body is not the JSON payload' }),
    });
  }
  const record = parsed.ok ? asRecord(parsed.value) : undefined;
  const context = asRecord(record?.requestContext);
  if (record && context && 'requestPayload' in record) {
    const response = asRecord(record.responsePayload);
    const responseContext = asRecord(record.responseContext);
    const attempts = Number(context.approximateInvokeCount);
    return withReason({
      ...base,
      source: 'destination',
      errorCode: text(response?.errorType) ?? text(responseContext?.functionError),
      errorMessage: text(response?.errorMessage),
      condition: text(context.condition),
      ...(Number.isInteger(attempts) ? { attempts } : {}),
      requestId: text(context.requestId),
      payload: record.requestPayload,
    });
  }
  return withReason({
    ...base,
    source: 'unknown',
    payloadProblem:
      'neither a Scheduler dead-letter event, a Lambda invocation record nor a Lambda DLQ message',
  });
}

function withReason(f: Omit<FailedInvocation, 'reason'>): FailedInvocation {
  const head = [
    f.condition,
    f.attempts === undefined
      ? undefined
      : `after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}`,
  ]
    .filter(Boolean)
    .join(' ');
  const error = [f.errorCode, f.errorMessage].filter(Boolean).join(': ');
  const reason = [head, error || f.payloadProblem || 'no reason given'].filter(Boolean).join(': ');
  return { ...f, reason };
}

/**
 * The payload to re-invoke the requestor with. The original, except that an invocation Lambda
 * ran without an idempotency key of its own gets the failed invocation's request id as key: the
 * requestor derived its request ids from that request id, so the replay re-sends those requests
 * instead of recording new ones. A Scheduler event already carries its tick's key.
 */
export function replayPayload(f: FailedInvocation): unknown {
  if (f.requestId === undefined) return f.payload;
  if (f.payload === null || f.payload === undefined) return { idempotencyKey: f.requestId };
  if (
    typeof f.payload === 'object' &&
    !Array.isArray(f.payload) &&
    !('idempotencyKey' in f.payload)
  )
    return { ...f.payload, idempotencyKey: f.requestId };
  return f.payload;
}

/** What to redrive from the failed-invocation queues, and how. */
export interface InvocationRedriveOptions {
  readonly queues: readonly FailedInvocationLabel[];
  /** Report what would be re-invoked, invoke nothing. */
  readonly dryRun?: boolean;
  /** Re-invoke at most this many per queue. @default all */
  readonly max?: number;
}

/** A failed invocation that was not replayed (`read`, `invoke`: still queued) or not deleted (`delete`: replayed and still queued). */
export type InvocationRedriveFailure = DrainFailure<'read' | 'invoke'>;

/** What happened to one failed-invocation queue. */
export interface InvocationRedriveResult {
  readonly queue: FailedInvocationLabel;
  readonly method: 'invoke' | 'dry-run';
  /** The function re-invoked. */
  readonly functionName: string;
  /** Messages in the queue before the redrive. */
  readonly waiting: number;
  /** Messages that would be (dry run) or were to be re-invoked: `waiting`, capped by `max`. */
  readonly toMove: number;
  /** Invocations Lambda accepted (the message was then deleted). */
  readonly moved: number;
  readonly failed: InvocationRedriveFailure[];
}

/**
 * Replays each named queue's failed invocations: re-invokes the requestor asynchronously
 * (`InvocationType: Event`) with the message's payload (see {@link replayPayload}) and deletes the
 * message only once Lambda accepted the event. A message that cannot be read or invoked stays in
 * its queue (visible again at the end of the run). Queues the stack does not output are skipped.
 */
export async function redriveFailedInvocations(
  target: Target,
  options: InvocationRedriveOptions,
): Promise<InvocationRedriveResult[]> {
  const queues = FAILED_INVOCATION_QUEUES.flatMap((queue) => {
    const url = target.outputs[queue.output];
    return options.queues.includes(queue.label) && url ? [{ label: queue.label, url }] : [];
  });
  if (queues.length === 0) return [];
  const functionName = requireOutput(target, Output.RequestorFunctionName);
  const sqs = new SQSClient(target.clientConfig('sqs'));
  let lambda: Lambda | undefined;
  try {
    lambda = options.dryRun ? undefined : await lambdaOf(target);
    const results: InvocationRedriveResult[] = [];
    for (const { label, url } of queues) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      const waiting = Number(Attributes.ApproximateNumberOfMessages ?? 0);
      const toMove = Math.min(waiting, options.max ?? waiting);
      const result = { queue: label, functionName, waiting, toMove, moved: 0, failed: [] };
      if (!lambda) {
        results.push({ ...result, method: 'dry-run' });
        continue;
      }
      const replayed = await replay(sqs, lambda, url, functionName, toMove);
      results.push({ ...result, method: 'invoke', ...replayed });
    }
    return results;
  } finally {
    sqs.destroy();
    lambda?.client.destroy();
  }
}

/**
 * A Lambda client of the target and its Invoke command, their module loaded now: reconciliation,
 * which `npm start` loads on its way to its first round trip, only reads failed invocations.
 */
async function lambdaOf(target: Target) {
  const { InvokeCommand, LambdaClient } = await import('@aws-sdk/client-lambda');
  return { client: new LambdaClient(target.clientConfig('lambda')), InvokeCommand };
}

/** What {@link lambdaOf} gives. */
type Lambda = Awaited<ReturnType<typeof lambdaOf>>;

/**
 * Re-invokes the function with the payload of each of up to `limit` messages, one at a time, and
 * deletes the ones Lambda accepted.
 */
function replay(
  sqs: SQSClient,
  lambda: Lambda,
  url: string,
  functionName: string,
  limit: number,
): Promise<{ moved: number; failed: InvocationRedriveFailure[] }> {
  return drainQueue<'read' | 'invoke'>(sqs, url, limit, async (messages) => {
    const outcomes: ActOutcome<'read' | 'invoke'>[] = [];
    for (const message of messages) {
      const invocation = readFailedInvocation(message);
      if (invocation.payloadProblem) {
        outcomes.push({ stage: 'read', reason: invocation.payloadProblem });
        continue;
      }
      try {
        const { StatusCode } = await lambda.client.send(
          new lambda.InvokeCommand({
            FunctionName: functionName,
            InvocationType: 'Event',
            Payload: new TextEncoder().encode(JSON.stringify(replayPayload(invocation) ?? null)),
          }),
        );
        if (StatusCode !== 202) throw new Error(`Lambda answered ${StatusCode}, not 202 Accepted`);
        outcomes.push(undefined);
      } catch (error) {
        outcomes.push({ stage: 'invoke', reason: describeError(error) });
      }
    }
    return outcomes;
  });
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
