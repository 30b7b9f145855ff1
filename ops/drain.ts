/**
 * The receive → act → delete-after-success loop the redrives share: `redrive`'s copy of dead
 * letters back to their source queue and the replay of failed requestor invocations.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { chunk } from '../functions/shared/collections';

/** A message the drain left in its queue (the act failed) or could not delete (`delete`). */
export interface DrainFailure<Stage extends string> {
  readonly messageId: string;
  readonly stage: Stage | 'delete';
  readonly reason: string;
}

/** What the act did with one received message: nothing to say (done), or why it failed. */
export type ActOutcome<Stage extends string> =
  | undefined
  | { readonly stage: Stage; readonly reason: string };

/** What one drain did. */
export interface DrainResult<Stage extends string> {
  /** Messages the act completed (deleted then, unless a `delete` failure says otherwise). */
  readonly moved: number;
  readonly failed: DrainFailure<Stage>[];
}

/** SQS's batch limit for receives, deletes and visibility changes. */
const BATCH = 10;

/**
 * Receives up to `limit` messages from `url`, 10 at a time, hands each batch to `act` (which
 * answers one outcome per message, in order) and deletes the messages it completed. Only the
 * messages there now are drained: what `act` failed on stays invisible for the rest of the run,
 * so it is neither chased round the loop nor retried within it, and is made visible again at the
 * end, so it is neither lost nor stuck.
 */
export async function drainQueue<Stage extends string>(
  sqs: SQSClient,
  url: string,
  limit: number,
  act: (messages: Message[]) => Promise<ActOutcome<Stage>[]>,
): Promise<DrainResult<Stage>> {
  let received = 0;
  let moved = 0;
  const failed: DrainFailure<Stage>[] = [];
  const giveBack: string[] = [];
  try {
    while (received < limit) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(BATCH, limit - received),
          // Returns as soon as any message is there; waits only if the count was approximate.
          WaitTimeSeconds: 1,
          // Long enough to keep the messages that fail out of the next receives of this run.
          VisibilityTimeout: 300,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
      );
      if (Messages.length === 0) break;
      received += Messages.length;
      const outcomes = await act(Messages);
      const done: Message[] = [];
      Messages.forEach((message, i) => {
        const outcome = outcomes[i];
        if (!outcome) done.push(message);
        else {
          failed.push({ messageId: message.MessageId ?? '', ...outcome });
          if (message.ReceiptHandle) giveBack.push(message.ReceiptHandle);
        }
      });
      moved += done.length;
      failed.push(...(await deleteMessages(sqs, url, done)));
    }
  } finally {
    // Best effort: if this fails too, the messages reappear when the receive's timeout runs out.
    for (const part of chunk(giveBack, BATCH)) {
      await sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: url,
            Entries: part.map((ReceiptHandle, i) => ({
              Id: String(i),
              ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        )
        .catch(() => undefined);
    }
  }
  return { moved, failed };
}

/** Deletes `messages` (at most 10) and returns the ones SQS did not delete, with its reason. */
async function deleteMessages(
  sqs: SQSClient,
  url: string,
  messages: readonly Message[],
): Promise<DrainFailure<never>[]> {
  if (messages.length === 0) return [];
  const failure = (message: Message | undefined, reason: string): DrainFailure<never> => ({
    messageId: message?.MessageId ?? '',
    stage: 'delete',
    reason,
  });
  try {
    const { Failed = [] } = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    return Failed.map((f) =>
      failure(messages[Number(f.Id)], `${f.Code ?? 'Error'}: ${f.Message ?? 'no reason given'}`),
    );
  } catch (error) {
    // The act is done and cannot be undone: say which messages are still queued, and go on.
    return messages.map((m) => failure(m, describeError(error)));
  }
}

/** `Name: message` of a thrown error, for a failure's reason. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
