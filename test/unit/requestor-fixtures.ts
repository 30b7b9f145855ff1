/** The requestor's handler over fakes, and the responses its tests send it. */

import { MessageType } from '../../contract/contract';
import type { RequestorDeps } from '../../functions/requestor/domain';
import { createRequestorHandler } from '../../functions/requestor/handler';
import { deriveRequestId } from '../../functions/shared/ids';
import { clock, FakeRequestsStore, mockedSqs, noDelay, observability, VALUE_A } from './fakes';

/** Queue URLs the handler is configured with. */
export const REQUEST_QUEUE_URL = 'https://sqs.test/request';
export const ACK_QUEUE_URL = 'https://sqs.test/ack';
export const RESPONSE_DLQ_URL = 'https://sqs.test/response-dlq';

/** A response message body as the generator sends it. */
export const response = (requestId: string, value = VALUE_A) => ({
  v: 1,
  type: MessageType.Response,
  requestId,
  value,
  generatedAt: '2026-11-24T11:59:30.000Z',
});

/** A requestor handler over a fake store and a mocked SQS client (default count 3), with helpers to read what it sent. */
export function setup() {
  const { sqs, sqsMock, sentTo } = mockedSqs();
  const store = new FakeRequestsStore();
  const obs = observability('requestor');
  const deps: RequestorDeps = {
    store,
    sqs,
    requestQueueUrl: REQUEST_QUEUE_URL,
    ackQueueUrl: ACK_QUEUE_URL,
    requestId: deriveRequestId,
    clock,
    logger: obs.logger,
    metrics: obs.metrics,
    retry: noDelay,
  };
  const handler = createRequestorHandler(deps, {
    responseDlqUrl: RESPONSE_DLQ_URL,
    defaultCount: 3,
  });
  return { handler, store, sqsMock, obs, sentTo };
}
