/**
 * `npm run redrive`: move the messages in a DLQ back to its source queue, once the cause of their
 * failure is fixed. Uses SQS StartMessageMoveTask where the endpoint has it (AWS, LocalStack) and
 * an equivalent receive/send/delete loop where it does not (the local cloud).
 *
 *   npm run redrive -- (--queue request|response|ack | --all) [--dry-run] [--max N] [target options]
 */
import { pathToFileURL } from 'node:url';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { QUEUES, type QueueKey } from '../reconcile';
import { requireOutput, type Target } from '../target';
import { parse, run, TARGET_OPTIONS, TARGET_USAGE, targetFrom, UsageError } from './args';

/** Attributes the handlers add when they dead-letter a message; a redriven message starts clean. */
const FAILURE_ATTRIBUTES = new Set([
  'FailureCode',
  'FailureReason',
  'SourceMessageId',
  'SourceQueueArn',
]);

export interface RedriveOptions {
  readonly queues: readonly QueueKey[];
  /** Report what would move, move nothing. */
  readonly dryRun?: boolean;
  /** Move at most this many messages per queue. @default all */
  readonly max?: number;
}

export interface RedriveResult {
  readonly queue: QueueKey;
  /** `move-task`: SQS StartMessageMoveTask; `copy`: receive, send, delete. */
  readonly method: 'move-task' | 'copy' | 'dry-run';
  /** Messages in the DLQ before the redrive. */
  readonly waiting: number;
  readonly moved: number;
  /** The move task's handle, when SQS does the moving (it runs asynchronously). */
  readonly taskHandle?: string;
}

/** Moves each named queue's dead letters back to it. */
export async function redrive(target: Target, options: RedriveOptions): Promise<RedriveResult[]> {
  const sqs = new SQSClient(target.clientConfig('sqs'));
  try {
    const results: RedriveResult[] = [];
    for (const queue of options.queues) results.push(await redriveOne(sqs, target, queue, options));
    return results;
  } finally {
    sqs.destroy();
  }
}

async function redriveOne(
  sqs: SQSClient,
  target: Target,
  queue: QueueKey,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const sourceUrl = requireOutput(target, `${queue}QueueUrl`);
  const dlqUrl = requireOutput(target, `${queue}DlqUrl`);
  const { Attributes: dlq = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: dlqUrl,
      AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'],
    }),
  );
  const waiting = Number(dlq.ApproximateNumberOfMessages ?? 0);
  if (options.dryRun) return { queue, method: 'dry-run', waiting, moved: 0 };
  if (waiting === 0)
    return { queue, method: target.kind === 'local' ? 'copy' : 'move-task', waiting, moved: 0 };

  // A move task moves everything; --max needs the copy loop, which can stop at a count.
  if (target.kind !== 'local' && options.max === undefined) {
    const { Attributes: source = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: sourceUrl, AttributeNames: ['QueueArn'] }),
    );
    try {
      const { TaskHandle } = await sqs.send(
        new StartMessageMoveTaskCommand({
          SourceArn: dlq.QueueArn,
          DestinationArn: source.QueueArn,
        }),
      );
      const moved = await followMoveTask(sqs, dlq.QueueArn ?? '', TaskHandle);
      return { queue, method: 'move-task', waiting, moved, taskHandle: TaskHandle };
    } catch (error) {
      // Emulators without message move tasks answer with an unknown-operation error: copy instead.
      if (!isUnsupported(error)) throw error;
    }
  }
  const moved = await copyBack(sqs, dlqUrl, sourceUrl, options.max ?? Number.POSITIVE_INFINITY);
  return { queue, method: 'copy', waiting, moved };
}

function isUnsupported(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  return /UnsupportedOperation|InvalidAction|UnknownOperation|NotImplemented/i.test(
    `${name} ${message}`,
  );
}

/** Waits (up to a minute) for a move task to finish and returns how many messages it moved. */
async function followMoveTask(
  sqs: SQSClient,
  sourceArn: string,
  handle: string | undefined,
): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { Results = [] } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }),
    );
    const task = Results.find((t) => t.TaskHandle === handle) ?? Results[0];
    if (task && task.Status !== 'RUNNING') {
      if (task.Status === 'FAILED')
        throw new Error(`The move task failed: ${task.FailureReason ?? 'no reason given'}`);
      return task.ApproximateNumberOfMessagesMoved ?? 0;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error('The move task is still running after a minute; follow it in the SQS console');
}

/**
 * Receives up to 10 at a time from the DLQ, sends copies (body and attributes, minus the failure
 * attributes) to the source queue, and deletes from the DLQ only what was sent. A message whose
 * send failed stays in the DLQ and becomes visible again after its visibility timeout.
 */
async function copyBack(
  sqs: SQSClient,
  dlqUrl: string,
  sourceUrl: string,
  max: number,
): Promise<number> {
  let moved = 0;
  while (moved < max) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, max - moved),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) break;
    const { Successful = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: sourceUrl,
        Entries: Messages.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body ?? '',
          MessageAttributes: keepAttributes(m.MessageAttributes),
        })),
      }),
    );
    if (Successful.length === 0) throw new Error(`Could not send any message back to ${sourceUrl}`);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: dlqUrl,
        Entries: Successful.map((s) => ({
          Id: s.Id,
          ReceiptHandle: Messages[Number(s.Id)]?.ReceiptHandle,
        })),
      }),
    );
    moved += Successful.length;
  }
  return moved;
}

function keepAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  if (!attributes) return undefined;
  const kept = Object.entries(attributes).filter(([name]) => !FAILURE_ATTRIBUTES.has(name));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

const USAGE = `npm run redrive -- (--queue request|response|ack | --all) [--dry-run] [--max N] ${TARGET_USAGE}`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run(USAGE, async () => {
    const values = parse(process.argv.slice(2), {
      ...TARGET_OPTIONS,
      queue: { type: 'string' },
      all: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      max: { type: 'string' },
    });
    const queues = parseQueues(values.queue, values.all ?? false);
    const max = values.max === undefined ? undefined : Number(values.max);
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new UsageError(`--max must be a positive integer, got ${values.max}`);
    }
    const target = await targetFrom(values);
    console.log(`Target: ${target.description}`);
    for (const r of await redrive(target, { queues, dryRun: values['dry-run'], max })) {
      const what =
        r.method === 'dry-run' ? `would move ${r.waiting}` : `moved ${r.moved} of ${r.waiting}`;
      console.log(
        `${r.queue.toLowerCase()} DLQ -> ${r.queue.toLowerCase()} queue: ${what} (${r.method})`,
      );
    }
    return 0;
  });
}

/** `--queue name` or `--all` to the queue keys, or a usage error naming the bad value. */
export function parseQueues(queue: string | undefined, all: boolean): QueueKey[] {
  if (all && queue) throw new UsageError('give either --queue or --all, not both');
  if (all) return [...QUEUES];
  if (!queue)
    throw new UsageError('say which DLQ to redrive: --queue request|response|ack, or --all');
  const key = QUEUES.find((q) => q.toLowerCase() === queue.toLowerCase());
  if (!key)
    throw new UsageError(`unknown queue ${JSON.stringify(queue)}: use request, response or ack`);
  return [key];
}
