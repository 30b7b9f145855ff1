/**
 * The message each pipeline queue carries: a valid sample, a check of a hand-written body, and
 * the request a hand-sent request message stands for.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MessageType, type QueueKey } from '../contract/contract';
import { dynamoRequestsStore } from '../functions/requestor/requests-store';
import { newRequestId } from '../functions/shared/ids';
import {
  AckMessage,
  parseBody,
  RequestMessage,
  ResponseMessage,
  SCHEMA_VERSION,
} from '../functions/shared/messages';
import { randomString } from '../functions/shared/random-string';

const SCHEMAS = { Request: RequestMessage, Response: ResponseMessage, Ack: AckMessage } as const;

/** A valid message for `queue`, with a fresh request id, as the pipeline would send it. */
export function sampleMessage(queue: QueueKey, now = new Date()): string {
  const base = { v: SCHEMA_VERSION, requestId: newRequestId(now.getTime()) };
  const at = now.toISOString();
  switch (queue) {
    case 'Request':
      return JSON.stringify({ ...base, type: MessageType.Request, requestedAt: at });
    case 'Response':
      return JSON.stringify({
        ...base,
        type: MessageType.Response,
        value: randomString(),
        generatedAt: at,
      });
    case 'Ack':
      return JSON.stringify({ ...base, type: MessageType.Ack, storedAt: at });
  }
}

/**
 * Why `body` is not a valid message for `queue` (its consumer would reject it as poison), or
 * undefined when it is one.
 */
export function bodyProblem(queue: QueueKey, body: string): string | undefined {
  try {
    parseBody(SCHEMAS[queue], body, `${queue.toLowerCase()} message`);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Records a valid request message's request as REQUESTED in the Requests table, as the requestor
 * does before it sends one (with the requestor's own store: only if the id is new), so a request
 * sent by hand completes its round trip instead of ending in the response DLQ as UnknownRequest.
 * Resolves with the request id, or undefined for a body that is not a valid request message.
 */
export async function recordRequest(
  dynamodb: DynamoDBClient,
  requestsTable: string,
  body: string,
): Promise<string | undefined> {
  let message: RequestMessage;
  try {
    message = parseBody(RequestMessage, body, 'request message');
  } catch {
    return undefined;
  }
  const { requestId, requestedAt } = message;
  await dynamoRequestsStore(dynamodb, requestsTable).recordRequested([{ requestId, requestedAt }]);
  return requestId;
}
