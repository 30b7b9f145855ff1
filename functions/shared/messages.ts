import * as v from 'valibot';
import { FailureCode, MessageType } from '../../contract/contract';
import { InvalidMessageError } from './errors';
import { IDEMPOTENCY_KEY_PATTERN, REQUEST_ID_PATTERN } from './ids';
import { VALUE_PATTERN } from './random-string';

/** The version of requests and responses; a consumer rejects any other. */
export const SCHEMA_VERSION = 1;

/**
 * The version of acks this code sends. Version 2 carries the stored value, so the generator
 * acknowledges only the string it generated. Version 1 (no value) is still read, for the acks in
 * flight while a deploy replaces the requestor; see {@link LegacyAckMessage}.
 */
export const ACK_SCHEMA_VERSION = 2;

/** Our messages are a few hundred bytes; anything larger is not one of them. */
export const MAX_BODY_BYTES = 4096;

const requestId = v.pipe(v.string(), v.regex(REQUEST_ID_PATTERN, 'must be a ULID'));
const timestamp = v.pipe(v.string(), v.isoTimestamp('must be an ISO-8601 timestamp'));
const value = v.pipe(v.string(), v.regex(VALUE_PATTERN, 'must be 64 characters of [A-Za-z0-9]'));
const version = v.literal(SCHEMA_VERSION, `must be ${SCHEMA_VERSION}`);

/** requestor -> generator: please generate a string for this request. */
export const RequestMessage = v.strictObject({
  v: version,
  type: v.literal(MessageType.Request),
  requestId,
  requestedAt: timestamp,
});
export type RequestMessage = v.InferOutput<typeof RequestMessage>;

/** generator -> requestor: the string generated for a request. */
export const ResponseMessage = v.strictObject({
  v: version,
  type: v.literal(MessageType.Response),
  requestId,
  value,
  generatedAt: timestamp,
});
export type ResponseMessage = v.InferOutput<typeof ResponseMessage>;

/** requestor -> generator: this string is stored for this request. */
export const AckMessage = v.strictObject({
  v: v.literal(ACK_SCHEMA_VERSION, `must be ${ACK_SCHEMA_VERSION}`),
  type: v.literal(MessageType.Ack),
  requestId,
  /** The value the requestor stored; the generator acknowledges only its own. */
  value,
  storedAt: timestamp,
});
export type AckMessage = v.InferOutput<typeof AckMessage>;

/**
 * A version 1 ack, sent by a requestor deployed before acks carried the value. It proves
 * nothing about the value, so it is read only for the acks in flight during that deploy; remove
 * it in the release after.
 */
export const LegacyAckMessage = v.strictObject({
  v: v.literal(1),
  type: v.literal(MessageType.Ack),
  requestId,
  storedAt: timestamp,
});
export type LegacyAckMessage = v.InferOutput<typeof LegacyAckMessage>;

/** Any ack the generator reads, told apart by `v`. */
export const AnyAckMessage = v.variant(
  'v',
  [AckMessage, LegacyAckMessage],
  `must be 1 or ${ACK_SCHEMA_VERSION}`,
);

/** The ack versions the generator reads. */
export const ACK_VERSIONS: readonly number[] = [1, ACK_SCHEMA_VERSION];
export type AnyAckMessage = v.InferOutput<typeof AnyAckMessage>;

/** The most strings one invocation of the requestor may ask for. */
export const MAX_REQUEST_COUNT = 10_000;

/**
 * Payload of an on-demand or scheduled requestor invocation. Without `count` the function's
 * default count is asked for. The request ids derive from `idempotencyKey` and the index, so an
 * invocation retried with the same key and count re-sends the same requests; without a key the
 * Lambda request id is the key (Lambda keeps it on its own retries of an async invocation).
 */
export const RequestStringsCommand = v.strictObject({
  count: v.optional(
    v.pipe(
      v.number(),
      v.integer('must be an integer'),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(MAX_REQUEST_COUNT, `must be at most ${MAX_REQUEST_COUNT}`),
    ),
  ),
  idempotencyKey: v.optional(
    v.pipe(
      v.string(),
      v.regex(IDEMPOTENCY_KEY_PATTERN, 'must be 1 to 128 characters of [A-Za-z0-9:._+-]'),
    ),
  ),
});
export type RequestStringsCommand = v.InferOutput<typeof RequestStringsCommand>;

/** Any schema this module defines. */
type Schema = v.GenericSchema<unknown, unknown>;

/** Validates a parsed value, turning schema issues into one readable error naming each field. */
export function validate<S extends Schema>(
  schema: S,
  input: unknown,
  what: string,
  versions: readonly number[] = [SCHEMA_VERSION],
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issues = result.issues
    .map((issue) => {
      const path = issue.path?.map((item) => String(item.key)).join('.');
      return path ? `${path}: ${describeIssue(issue)}` : describeIssue(issue);
    })
    .join('; ');
  const version = (input as { v?: unknown } | null)?.v;
  const wrongVersion =
    typeof input === 'object' && version !== undefined && !versions.includes(version as number);
  throw new InvalidMessageError(
    `invalid ${what}: ${issues}`,
    wrongVersion ? FailureCode.UnsupportedVersion : FailureCode.InvalidMessage,
  );
}

/** Valibot's messages for object keys are generic; say plainly what is wrong. */
function describeIssue(issue: v.BaseIssue<unknown>): string {
  const objectSchema = issue.type === 'strict_object' || issue.type === 'loose_object';
  if (issue.kind === 'schema' && objectSchema && issue.path) {
    if (issue.expected === 'never') return 'is not allowed';
    if (issue.received === 'undefined') return 'is required';
  }
  return issue.message;
}

/** Parses an SQS body: size first (cheap), then JSON, then the schema. */
export function parseBody<S extends Schema>(
  schema: S,
  body: string,
  what: string,
  versions?: readonly number[],
): v.InferOutput<S> {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw new InvalidMessageError(
      `${what} body is ${bytes} bytes, over the ${MAX_BODY_BYTES}-byte limit`,
      FailureCode.Oversize,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new InvalidMessageError(
      `${what} body is not JSON: ${(error as Error).message}`,
      FailureCode.InvalidJson,
    );
  }
  return validate(schema, json, what, versions);
}
