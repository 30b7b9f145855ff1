/**
 * Moves the messages in a DLQ back to its source queue, once the cause of their failure is fixed,
 * on any target. Uses SQS StartMessageMoveTask where the endpoint has it (AWS, LocalStack) and an
 * equivalent receive/send/delete loop where it does not (the local cloud). The command is
 * `commands/redrive.ts`.
 */ import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { FAILURE_ATTRIBUTE_NAMES, type QueueKey, queueOutputs } from '../contract/contract';
import { type ActOutcome, type DrainFailure, drainQueue } from './drain';
import { requireOutput, type Target } from './target';

/** Attributes the handlers add when they dead-letter a message; a redriven message starts clean. */
const FAILURE_ATTRIBUTES = new Set(FAILURE_ATTRIBUTE_NAMES);

/** What to redrive, and how. */
export interface RedriveOptions {
  readonly queues: readonly QueueKey[];
  /** Report what would move, move nothing. */
  readonly dryRun?: boolean;
  /** Move at most this many messages per queue (forces the copy, which can stop at a count). @default all */
  readonly max?: number;
  /** Called on every poll of a running move task. */
  readonly onProgress?: (progress: MoveProgress) => void;
  /** How often to poll a move task. @default 1000 */
  readonly pollMs?: number;
  /** How long to follow a move task before giving up on it (it keeps running). @default 60000 */
  readonly followMs?: number;
  /** Called with the messages a copy sent back to their source queue. @default none */
  readonly onMoved?: (queue: QueueKey, messages: readonly Message[]) => void;
}

/** A running move task's progress, as ListMessageMoveTasks reports it. */
export interface MoveProgress {
  readonly queue: QueueKey;
  readonly moved: number;
  readonly toMove?: number;
}

/** A dead letter the copy could not move (`send`: still in the DLQ) or not delete (`delete`: now in both queues). */
export type RedriveFailure = DrainFailure<'send'>;

/** What happened to one queue's dead letters. */
export interface RedriveResult {
  readonly queue: QueueKey;
  /** `move-task`: SQS StartMessageMoveTask; `copy`: receive, send, delete. */
  readonly method: 'move-task' | 'copy' | 'dry-run';
  /** Messages in the DLQ before the redrive. */
  readonly waiting: number;
  /** Messages that would move (dry run) or were asked to move: `waiting`, capped by `max`. */
  readonly toMove: number;
  /** Messages sent back to the source queue. */
  readonly moved: number;
  /** Messages the copy could not move or not delete, with the reason; empty for a move task. */
  readonly failed: RedriveFailure[];
  /** The move task's handle, when SQS does the moving. */
  readonly taskHandle?: string;
}

/** A move task that failed, or that is still running when we stop following it. */
export class MoveTaskError extends Error {
  override readonly name = 'MoveTaskError';
}

/**
 * Moves each named queue's dead letters back to its source queue: with StartMessageMoveTask where
 * the target has it, otherwise (the local cloud, fauxqs, or `max` given) by copying.
 */
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
  const keys = queueOutputs(queue);
  const sourceUrl = requireOutput(target, keys.queue);
  const dlqUrl = requireOutput(target, keys.dlq);
  const { Attributes: dlq = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: dlqUrl,
      AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'],
    }),
  );
  const waiting = Number(dlq.ApproximateNumberOfMessages ?? 0);
  const toMove = Math.min(waiting, options.max ?? waiting);
  const result = { queue, waiting, toMove, moved: 0, failed: [] };
  if (options.dryRun) return { ...result, method: 'dry-run' };
  if (toMove === 0) return { ...result, method: target.kind === 'local' ? 'copy' : 'move-task' };

  // A move task moves everything; --max needs the copy, which can stop at a count.
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
      const moved = await followMoveTask(sqs, queue, dlq.QueueArn ?? '', TaskHandle, options);
      return { ...result, method: 'move-task', moved, taskHandle: TaskHandle };
    } catch (error) {
      // Emulators without message move tasks answer with an unknown-action error: copy instead.
      if (!isUnsupported(error)) throw error;
    }
  }
  // Only the messages there now: a redriven message that fails again and comes back to the DLQ
  // during the copy is not chased round the loop.
  const copied = await copyBack(sqs, dlqUrl, sourceUrl, toMove, (moved) =>
    options.onMoved?.(queue, moved),
  );
  return { ...result, method: 'copy', ...copied };
}

function isUnsupported(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  return /UnsupportedOperation|InvalidAction|UnknownOperation|NotImplemented|Unknown action/i.test(
    `${name} ${message}`,
  );
}

/** Follows a move task until it ends, reporting progress, and returns how many messages it moved. */
async function followMoveTask(
  sqs: SQSClient,
  queue: QueueKey,
  sourceArn: string,
  handle: string | undefined,
  options: RedriveOptions,
): Promise<number> {
  const deadline = Date.now() + (options.followMs ?? 60_000);
  for (;;) {
    const { Results = [] } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }),
    );
    const task = Results.find((t) => t.TaskHandle === handle) ?? Results[0];
    const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
    options.onProgress?.({ queue, moved, toMove: task?.ApproximateNumberOfMessagesToMove });
    if (task && task.Status !== 'RUNNING') {
      if (task.Status === 'FAILED') {
        throw new MoveTaskError(
          `The move task for the ${queue.toLowerCase()} DLQ failed after ${moved} messages: ${task.FailureReason ?? 'no reason given'}`,
        );
      }
      return moved;
    }
    if (Date.now() > deadline) {
      throw new MoveTaskError(
        `The move task for the ${queue.toLowerCase()} DLQ is still running (${moved} moved so far); follow it in the SQS console or with \`npm run inspect\``,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}

/**
 * Sends copies of up to `limit` dead letters (body and attributes, minus the failure attributes)
 * to the source queue, and deletes from the DLQ only what was sent.
 */
function copyBack(
  sqs: SQSClient,
  dlqUrl: string,
  sourceUrl: string,
  limit: number,
  onMoved: (messages: readonly Message[]) => void,
): Promise<{ moved: number; failed: RedriveFailure[] }> {
  return drainQueue<'send'>(sqs, dlqUrl, limit, async (messages) => {
    const { Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: sourceUrl,
        Entries: messages.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body ?? '',
          MessageAttributes: keepAttributes(m.MessageAttributes),
        })),
      }),
    );
    const outcomes: ActOutcome<'send'>[] = messages.map(() => undefined);
    for (const f of Failed) {
      outcomes[Number(f.Id)] = {
        stage: 'send',
        reason: `${f.Code ?? 'Error'}: ${f.Message ?? 'no reason given'}`,
      };
    }
    onMoved(messages.filter((_, i) => outcomes[i] === undefined));
    return outcomes;
  });
}

function keepAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  if (!attributes) return undefined;
  const kept = Object.entries(attributes).filter(([name]) => !FAILURE_ATTRIBUTES.has(name));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}
