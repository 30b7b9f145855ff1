import type { SQSClient } from '@aws-sdk/client-sqs';
import { MessageType, RequestOrigin } from '../../contract/contract';
import type { Failures, ParsedRecord } from '../shared/batch';
import { SendFailedError } from '../shared/errors';
import { deriveRequestId } from '../shared/ids';
import type { Logger } from '../shared/logger';
import {
  ACK_SCHEMA_VERSION,
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
  /** The id of the `index`-th request of the invocation keyed `key`; the same for a retry. */
  readonly requestId: (key: string, index: number) => string;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly retry?: RetryPolicy;
}

export const defaultIdSource = deriveRequestId;

/** One invocation's ask: how many strings, and the key that makes a retry re-send the same. */
export interface RequestStrings {
  readonly count: number;
  readonly idempotencyKey: string;
}

/**
 * Asks for `count` strings: records each request as REQUESTED first (so an unanswered request
 * is visible in the table), then sends the request messages in batches of 10.
 *
 * Request ids derive from the idempotency key and the index, and recording never overwrites an
 * existing request, so an invocation retried with the same key (after a crash, a timeout or a
 * failed send) re-records nothing and re-sends every request not yet answered: none is left
 * recorded but unsent, and none is asked for twice under two ids. A request delivered twice is
 * absorbed downstream (the generator returns the string it recorded the first time).
 *
 * Throws SendFailedError, naming the key to retry with, if some could not be sent after retries.
 */
export async function requestStrings(
  deps: RequestorDeps,
  { count, idempotencyKey }: RequestStrings,
): Promise<string[]> {
  const requestedAt = deps.clock().toISOString();
  // Each item names its invocation, so a request stranded by a crash shows how to re-send it.
  const requests = Array.from({ length: count }, (_, index) => ({
    requestId: deps.requestId(idempotencyKey, index),
    requestedAt,
    [RequestOrigin.IdempotencyKey]: idempotencyKey,
    [RequestOrigin.Count]: String(count),
  }));
  const toSend = await deps.store.recordRequested(requests);
  if (toSend.length < count) {
    deps.logger.info('invocation retried; re-sending only the requests not yet answered', {
      idempotencyKey,
      count,
      resending: toSend.length,
    });
  }
  const unsent = await sendAll(
    deps.sqs,
    deps.requestQueueUrl,
    toSend.map((requestId) => {
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
  deps.metrics.add('Requested', toSend.length - unsent.length);
  if (unsent.length > 0) {
    throw new SendFailedError(
      unsent.map((failure) => failure.id),
      `${unsent[0]?.reason ?? 'unknown'}; retry with ${JSON.stringify({ count, idempotencyKey })}`,
    );
  }
  deps.logger.info('requested strings', {
    count,
    idempotencyKey,
    firstRequestId: requests[0]?.requestId,
  });
  return requests.map((request) => request.requestId);
}

/**
 * Stores each received string against its request, then acknowledges the stored ones with
 * one SendMessageBatch. The ack carries the stored value, so the generator can refuse to
 * acknowledge a string that is not the one it generated. A response delivered twice is stored once and acknowledged again
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
          ack: {
            v: ACK_SCHEMA_VERSION,
            type: MessageType.Ack,
            requestId: message.requestId,
            value: message.value,
            storedAt,
          },
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
