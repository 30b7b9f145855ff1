/**
 * The idempotency key of a direct invocation of the requestor. Without one the requestor keys its
 * requests by the Lambda request id, which a caller only sees in a crash's error; a caller that
 * passes its own key and prints it can retry a failed call so that it re-sends the same requests
 * (the rule for synchronous callers). `npm run invoke` and the console's invoke both add one.
 */
import { randomUUID } from 'node:crypto';
import { looksLikeSqsEvent } from '../functions/shared/sqs-event';

/** A requestor payload with its idempotency key, and the key (absent when it takes none). */
export interface KeyedPayload {
  readonly payload: unknown;
  readonly idempotencyKey?: string;
}

/** A new key for a direct invocation: `invoke-` and a random UUID. */
export function newIdempotencyKey(): string {
  return `invoke-${randomUUID()}`;
}

/**
 * `payload` with an idempotency key: its own if it has one, else a new one added. An SQS event
 * (the requestor's other trigger) and a payload the requestor refuses (not an object) are left as
 * they are, without a key.
 */
export function withIdempotencyKey(
  payload: unknown,
  newKey: () => string = newIdempotencyKey,
): KeyedPayload {
  if (payload === null || payload === undefined) {
    const idempotencyKey = newKey();
    return { payload: { idempotencyKey }, idempotencyKey };
  }
  if (typeof payload !== 'object' || Array.isArray(payload) || looksLikeSqsEvent(payload)) {
    return { payload };
  }
  const own = (payload as { idempotencyKey?: unknown }).idempotencyKey;
  if (typeof own === 'string') return { payload, idempotencyKey: own };
  const idempotencyKey = newKey();
  return { payload: { ...payload, idempotencyKey }, idempotencyKey };
}
