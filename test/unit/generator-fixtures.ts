/** The generator's handler over fakes, and the messages its tests send it. */
import { createHash } from 'node:crypto';
import { MessageType } from '../../contract/contract';
import type { GeneratorDeps } from '../../functions/generator/domain';
import { createGeneratorHandler } from '../../functions/generator/handler';
import {
  ACK_QUEUE_ARN,
  clock,
  FakeStringsStore,
  mockedSqs,
  noDelay,
  observability,
  REQUEST_QUEUE_ARN,
  VALUE_A,
  VALUE_B,
} from './fakes';

/** Queue URLs the handler is configured with. */
export const RESPONSE_QUEUE_URL = 'https://sqs.test/response';
export const REQUEST_DLQ_URL = 'https://sqs.test/request-dlq';
export const ACK_DLQ_URL = 'https://sqs.test/ack-dlq';

/** A request message body as the requestor sends it. */
export const request = (requestId: string) => ({
  v: 1,
  type: MessageType.Request,
  requestId,
  requestedAt: '2026-11-24T11:59:00.000Z',
});
/** A version 2 ack body (it names the value stored). */
export const ack = (requestId: string, value = VALUE_A) => ({
  v: 2,
  type: MessageType.Ack,
  requestId,
  value,
  storedAt: '2026-11-24T11:59:30.000Z',
});
/** A version 1 ack body (no value), as one in flight during a deploy is. */
export const legacyAck = (requestId: string) => ({
  v: 1,
  type: MessageType.Ack,
  requestId,
  storedAt: '2026-11-24T11:59:30.000Z',
});
/** Hex SHA-256, as the Conflict attributes carry it. */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** A generator handler over a fake store and a mocked SQS client, with helpers to read what it sent. */
export function setup() {
  const { sqs, sqsMock, sentTo } = mockedSqs();
  const store = new FakeStringsStore();
  const obs = observability('generator');
  const values = [VALUE_A, VALUE_B];
  const deps: GeneratorDeps = {
    store,
    sqs,
    responseQueueUrl: RESPONSE_QUEUE_URL,
    generate: () => values.shift() ?? 'Z'.repeat(64),
    clock,
    logger: obs.logger,
    metrics: obs.metrics,
    retry: noDelay,
  };
  const handler = createGeneratorHandler(deps, {
    requestQueueArn: REQUEST_QUEUE_ARN,
    requestDlqUrl: REQUEST_DLQ_URL,
    ackQueueArn: ACK_QUEUE_ARN,
    ackDlqUrl: ACK_DLQ_URL,
  });
  return { handler, store, sqsMock, obs, sentTo };
}
