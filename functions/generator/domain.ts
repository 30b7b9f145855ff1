import type { SQSClient } from '@aws-sdk/client-sqs';
import { MessageType } from '../../contract/contract';
import type { Failures, ParsedRecord } from '../shared/batch';
import { SendFailedError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import {
  type AnyAckMessage,
  type RequestMessage,
  type ResponseMessage,
  SCHEMA_VERSION,
} from '../shared/messages';
import type { Metrics } from '../shared/metrics';
import type { RetryPolicy } from '../shared/retry';
import { sendAll } from '../shared/sqs';
import type { StringsStore } from './strings-store';

/** Everything the generator's domain logic touches, passed in so tests can use fakes. */
export interface GeneratorDeps {
  readonly store: StringsStore;
  readonly sqs: SQSClient;
  readonly responseQueueUrl: string;
  /** Makes a fresh 64-character string. */
  readonly generate: () => string;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly retry?: RetryPolicy;
}

/**
 * Generates and records a string for each request, then replies with one SendMessageBatch.
 * A request seen before (at-least-once delivery) gets the string recorded the first time,
 * never a new one, so the requestor can't receive two different values for one request.
 */
export async function handleRequests(
  deps: GeneratorDeps,
  items: readonly ParsedRecord<RequestMessage>[],
): Promise<Failures> {
  const failures: Failures = new Map();
  const replies: { messageId: string; response: ResponseMessage }[] = [];
  await Promise.all(
    items.map(async ({ record, message }) => {
      try {
        const { stored, created } = await deps.store.recordGenerated({
          requestId: message.requestId,
          value: deps.generate(),
          generatedAt: deps.clock().toISOString(),
        });
        deps.metrics.add(created ? 'Generated' : 'Duplicate');
        // One line per message on success too, so a requestId can be followed across both functions.
        deps.logger.info(
          created ? 'generated string' : 'request seen before; re-sending the stored string',
          { requestId: message.requestId, messageId: record.messageId },
        );
        replies.push({
          messageId: record.messageId,
          response: {
            v: SCHEMA_VERSION,
            type: MessageType.Response,
            requestId: stored.requestId,
            value: stored.value,
            generatedAt: stored.generatedAt,
          },
        });
      } catch (error) {
        failures.set(record.messageId, error);
      }
    }),
  );
  const unsent = await sendAll(
    deps.sqs,
    deps.responseQueueUrl,
    replies.map(({ messageId, response }) => ({ id: messageId, body: JSON.stringify(response) })),
    deps.retry,
  );
  for (const failure of unsent) {
    failures.set(failure.id, new SendFailedError([failure.id], failure.reason));
  }
  return failures;
}

/**
 * Marks each acknowledged string, only if the ack names the value generated for it. A repeated
 * ack changes nothing; an ack for a request the generator never saw is an error (it means a
 * message went astray), not a silent no-op; an ack with another value (the requestor stored a
 * string this generator did not send) is a Conflict, and the string stays unacknowledged.
 */
export async function handleAcks(
  deps: GeneratorDeps,
  items: readonly ParsedRecord<AnyAckMessage>[],
): Promise<Failures> {
  const failures: Failures = new Map();
  const at = deps.clock().toISOString();
  await Promise.all(
    items.map(async ({ record, message }) => {
      try {
        if (message.v === 1) {
          deps.logger.warn('legacy ack without a value; acknowledged without proof', {
            requestId: message.requestId,
            messageId: record.messageId,
          });
        }
        const value = message.v === 1 ? undefined : message.value;
        const { firstTime } = await deps.store.markAcknowledged(message.requestId, at, value);
        deps.metrics.add(firstTime ? 'Acknowledged' : 'Duplicate');
        deps.logger.info(firstTime ? 'acknowledged string' : 'ack seen before', {
          requestId: message.requestId,
          messageId: record.messageId,
        });
      } catch (error) {
        failures.set(record.messageId, error);
      }
    }),
  );
  return failures;
}
