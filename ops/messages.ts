/** The message each pipeline queue carries: a valid sample, and a check of a hand-written body. */
import { MessageType, type QueueKey } from '../contract/contract';
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
