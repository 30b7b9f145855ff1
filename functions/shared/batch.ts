import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { FailureAttribute } from '../../contract/contract';
import { PermanentError, requestIdOf } from './errors';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { RetryPolicy } from './retry';
import { type OutgoingMessage, sendAll } from './sqs';
import { attributeBytes, MAX_MESSAGE_BYTES, sqsTextWithin, utf8Bytes } from './sqs-text';

/** A record whose body passed its schema. */
export interface ParsedRecord<T> {
  readonly record: SQSRecord;
  readonly message: T;
}

/** Per-record failures a batch handler reports, keyed by SQS message id. */
export type Failures = Map<string, unknown>;

/** What the batch processor needs besides the records. */
export interface BatchDeps<T> {
  readonly parse: (body: string) => T;
  /** Handles the valid records together (so replies can share one SendMessageBatch). */
  readonly handle: (items: ParsedRecord<T>[]) => Promise<Failures>;
  /** The source queue's DLQ, where messages that can never succeed go at once. */
  readonly deadLetter: { readonly sqs: SQSClient; readonly queueUrl: string };
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly retry?: RetryPolicy;
}

/**
 * Runs one SQS batch and builds the partial batch response. Transient failures are reported
 * as batch item failures (SQS redelivers them, then redrives to the DLQ after
 * maxReceiveCount). Permanent ones (bad JSON, wrong schema or version, oversize, unknown
 * request) are sent to the DLQ straight away with the reason as message attributes, so they
 * neither wait out the retries nor hold up the rest of the batch. If that send fails they fall
 * back to the redrive path: nothing is lost. A store or handler may throw anything (`null`,
 * a string, an Error): whatever it is fails only the records it was thrown for.
 */
export async function processBatch<T>(
  records: readonly SQSRecord[],
  deps: BatchDeps<T>,
): Promise<SQSBatchResponse> {
  const failures: Failures = new Map();
  const valid: ParsedRecord<T>[] = [];
  for (const record of records) {
    try {
      valid.push({ record, message: deps.parse(record.body) });
    } catch (error) {
      failures.set(record.messageId, error);
    }
  }
  if (valid.length > 0) {
    try {
      for (const [id, error] of await deps.handle(valid)) failures.set(id, error);
    } catch (error) {
      // The handler gave up on the whole batch: every valid record is retried.
      for (const item of valid) failures.set(item.record.messageId, error);
    }
  }

  const byId = new Map(records.map((record) => [record.messageId, record]));
  const poison: SQSRecord[] = [];
  const retry: SQSBatchItemFailure[] = [];
  for (const [messageId, error] of failures) {
    const record = byId.get(messageId);
    if (!record) continue;
    const context = logContext(record, error);
    if (error instanceof PermanentError) {
      poison.push(record);
      deps.logger.error('message rejected; sending it to the dead-letter queue', context);
    } else {
      retry.push({ itemIdentifier: messageId });
      deps.logger.warn('message failed; it will be retried', context);
    }
  }

  if (poison.length > 0) {
    const unsent = await sendAll(
      deps.deadLetter.sqs,
      deps.deadLetter.queueUrl,
      poison.map((record) =>
        deadLetterMessage(record, failures.get(record.messageId) as PermanentError),
      ),
      deps.retry,
    );
    for (const failure of unsent) {
      retry.push({ itemIdentifier: failure.id });
      deps.logger.error('could not dead-letter message; leaving it to the redrive policy', {
        messageId: failure.id,
        reason: failure.reason,
      });
    }
    deps.metrics.add('Rejected', poison.length - unsent.length);
  }
  return { batchItemFailures: retry };
}

/** Code points of `FailureReason` at most, as the contract documents it. */
const MAX_REASON_CHARS = 1024;

/**
 * The dead-letter copy of a poison record: its body, with the failure as attributes SQS accepts.
 * Error messages can quote the body (JSON.parse and schema errors do), so the reason is cleaned
 * of characters SQS refuses, cut on a code point, and kept short enough that body and attributes
 * fit in one SQS message. If even the reason's name cannot fit, the send fails and the record
 * takes the redrive path, as for any failed send.
 */
export function deadLetterMessage(record: SQSRecord, error: PermanentError): OutgoingMessage {
  const attributes = {
    [FailureAttribute.Code]: error.code,
    [FailureAttribute.SourceMessageId]: record.messageId,
    [FailureAttribute.SourceQueueArn]: record.eventSourceARN,
  };
  const spare =
    MAX_MESSAGE_BYTES -
    utf8Bytes(record.body) -
    attributeBytes(attributes) -
    attributeBytes({ [FailureAttribute.Reason]: '' });
  const reason = sqsTextWithin(error.message, { maxChars: MAX_REASON_CHARS, maxBytes: spare });
  return {
    id: record.messageId,
    body: record.body,
    attributes: {
      ...attributes,
      // SQS refuses an empty attribute value.
      [FailureAttribute.Reason]: reason === '' ? '…' : reason,
    },
  };
}

function logContext(record: SQSRecord, error: unknown): Record<string, unknown> {
  return {
    messageId: record.messageId,
    receiveCount: Number(record.attributes.ApproximateReceiveCount),
    requestId: requestIdOf(error) ?? peekRequestId(record.body),
    ...(error instanceof PermanentError ? { failureCode: error.code } : {}),
    error,
  };
}

/** Best effort: the request id of a body that failed validation, for log correlation. */
function peekRequestId(body: string): string | undefined {
  const match = /"requestId"\s*:\s*"([^"]{1,64})"/.exec(body.slice(0, 4096));
  return match?.[1];
}
