import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Failures, ParsedRecord } from '../shared/batch';
import { MessageType } from '../shared/contract';
import { SendFailedError } from '../shared/errors';
import { newRequestId } from '../shared/ids';
import type { Logger } from '../shared/logger';
import {
  type AckMessage,
  type RequestMessage,
  type ResponseMessage,
  SCHEMA_VERSION,
} from '../shared/messages';
import type { Metrics } from '../shared/metrics';
import type { RetryPolicy } from '../shared/retry';
import { sendAll } from '../shared/sqs';
import type { RequestsStore } from './requests-store';

/** Everything the requestor's domain logic touches, passed in so tests can use fakes. */
export interface RequestorDeps {
  readonly store: RequestsStore;
  readonly sqs: SQSClient;
  readonly requestQueueUrl: string;
  readonly ackQueueUrl: string;
  readonly newId: (now: number) => string;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly retry?: RetryPolicy;
}

export const defaultIdSource = (now: number): string => newRequestId(now);

/**
 * Asks for `count` strings: records each request as REQUESTED first (so an unanswered request
 * is visible in the table), then sends the request messages in batches of 10.
 * Throws SendFailedError, naming the requests, if some could not be sent after retries.
 */
export async function requestStrings(deps: RequestorDeps, count: number): Promise<string[]> {
  const now = deps.clock();
  const requestedAt = now.toISOString();
  const requests = Array.from({ length: count }, () => ({
    requestId: deps.newId(now.getTime()),
    requestedAt,
  }));
  await deps.store.recordRequested(requests);
  const unsent = await sendAll(
    deps.sqs,
    deps.requestQueueUrl,
    requests.map(({ requestId }) => {
      const message: RequestMessage = {
        v: SCHEMA_VERSION,
        type: MessageType.Request,
        requestId,
        requestedAt,
      };
      return { id: requestId, body: JSON.stringify(message) };
    }),
    deps.retry,
  );
  deps.metrics.add('Requested', count - unsent.length);
  if (unsent.length > 0) {
    throw new SendFailedError(
      unsent.map((failure) => failure.id),
      unsent[0]?.reason ?? 'unknown',
    );
  }
  deps.logger.info('requested strings', { count, firstRequestId: requests[0]?.requestId });
  return requests.map((request) => request.requestId);
}

/**
 * Stores each received string against its request, then acknowledges the stored ones with
 * one SendMessageBatch. A response delivered twice is stored once and acknowledged again
 * (the first ack may be the one that was lost).
 */
export async function handleResponses(
  deps: RequestorDeps,
  items: readonly ParsedRecord<ResponseMessage>[],
): Promise<Failures> {
  const failures: Failures = new Map();
  const acks: { messageId: string; ack: AckMessage }[] = [];
  const at = deps.clock().toISOString();
  await Promise.all(
    items.map(async ({ record, message }) => {
      try {
        const { firstTime, storedAt } = await deps.store.storeValue(
          message.requestId,
          message.value,
          at,
        );
        deps.metrics.add(firstTime ? 'Stored' : 'Duplicate');
        deps.logger.info(firstTime ? 'stored response' : 'response seen before; re-acknowledging', {
          requestId: message.requestId,
          messageId: record.messageId,
        });
        acks.push({
          messageId: record.messageId,
          ack: { v: SCHEMA_VERSION, type: MessageType.Ack, requestId: message.requestId, storedAt },
        });
      } catch (error) {
        failures.set(record.messageId, error);
      }
    }),
  );
  const unsent = await sendAll(
    deps.sqs,
    deps.ackQueueUrl,
    acks.map(({ messageId, ack }) => ({ id: messageId, body: JSON.stringify(ack) })),
    deps.retry,
  );
  for (const failure of unsent) {
    failures.set(failure.id, new SendFailedError([failure.id], failure.reason));
  }
  return failures;
}
