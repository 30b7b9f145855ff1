import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { mapLimit } from './collections';
import { backoffMs, defaultRetry, type RetryPolicy } from './retry';
import { attributeBytes, MAX_BATCH_BYTES, toSqsText, utf8Bytes } from './sqs-text';

/** SQS's limit on entries per SendMessageBatch. */
export const SQS_BATCH_LIMIT = 10;

/** One message to send; `id` must be unique within the call (we use message or request ids). */
export interface OutgoingMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes?: Record<string, string>;
}

/** Entries SQS refused after every retry, with the last reason it gave. */
export interface SendFailure {
  readonly id: string;
  readonly reason: string;
}

/**
 * Sends every message with SendMessageBatch, 10 per call (one billed request each) or fewer where
 * ten would pass SQS's 1 MiB request limit, retrying
 * only the entries that failed, with backoff. Entries SQS marks as the sender's fault are not
 * retried. Returns what still failed so callers can decide per message.
 */
export async function sendAll(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly OutgoingMessage[],
  retry: RetryPolicy = defaultRetry,
  concurrency = 8,
): Promise<SendFailure[]> {
  const batches = batchesOf(messages);
  const failures = await mapLimit(batches, concurrency, (batch) =>
    sendBatch(sqs, queueUrl, batch, retry),
  );
  return failures.flat();
}

async function sendBatch(
  sqs: SQSClient,
  queueUrl: string,
  batch: readonly OutgoingMessage[],
  retry: RetryPolicy,
): Promise<SendFailure[]> {
  let pending = [...batch];
  const final: SendFailure[] = [];
  let lastReason = new Map<string, string>();
  for (let attempt = 1; attempt <= retry.maxAttempts && pending.length > 0; attempt++) {
    if (attempt > 1) await retry.sleep(backoffMs(retry, attempt - 1));
    const reasons = new Map<string, string>();
    try {
      const output = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending.map(toEntry) }),
      );
      for (const failed of output.Failed ?? []) {
        const reason = `${failed.Code ?? 'Unknown'}: ${failed.Message ?? 'no message'}`;
        if (failed.SenderFault) final.push({ id: failed.Id ?? '', reason });
        else reasons.set(failed.Id ?? '', reason);
      }
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      for (const message of pending) reasons.set(message.id, reason);
    }
    pending = pending.filter((message) => reasons.has(message.id));
    lastReason = reasons;
  }
  for (const message of pending) {
    final.push({ id: message.id, reason: lastReason.get(message.id) ?? 'unknown' });
  }
  return final;
}

/**
 * Groups messages into SendMessageBatch calls: at most 10 each, and at most 1 MiB together, since
 * SQS refuses a whole request over that (ten large dead-letter copies would otherwise fail every
 * attempt). A message over the limit on its own goes alone, for SQS to refuse by itself.
 */
export function batchesOf(messages: readonly OutgoingMessage[]): OutgoingMessage[][] {
  const batches: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = utf8Bytes(message.body) + attributeBytes(message.attributes);
    if (
      current.length === SQS_BATCH_LIMIT ||
      (current.length > 0 && bytes + size > MAX_BATCH_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function toEntry(message: OutgoingMessage): SendMessageBatchRequestEntry {
  const entry: SendMessageBatchRequestEntry = { Id: message.id, MessageBody: message.body };
  if (message.attributes) {
    entry.MessageAttributes = Object.fromEntries(
      Object.entries(message.attributes).map(([key, value]): [string, MessageAttributeValue] => [
        key,
        // A lone surrogate or control character in any value would make SQS refuse the message.
        { DataType: 'String', StringValue: toSqsText(value) },
      ]),
    );
  }
  return entry;
}
