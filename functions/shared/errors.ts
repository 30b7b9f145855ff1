import { FailureCode } from '../../contract/contract';

/**
 * Failures a message can never recover from: retrying them only delays the DLQ. The batch
 * processor dead-letters them at once, with `code` and `message` as the recorded reason.
 */
export class PermanentError extends Error {
  override readonly name: string = 'PermanentError';
  constructor(
    readonly code: FailureCode,
    message: string,
  ) {
    super(message);
  }
}

/** The message body is not JSON, too large, or does not match its schema. */
export class InvalidMessageError extends PermanentError {
  override readonly name = 'InvalidMessageError';
  constructor(message: string, code: FailureCode = FailureCode.InvalidMessage) {
    super(code, message);
  }
}

/** The message names a request this service has no record of. */
export class UnknownRequestError extends PermanentError {
  override readonly name = 'UnknownRequestError';
  constructor(readonly requestId: string) {
    super(FailureCode.UnknownRequest, `no record of request ${requestId}`);
  }
}

/** The message contradicts what is already recorded for its request. */
export class ConflictError extends PermanentError {
  override readonly name = 'ConflictError';
  constructor(
    readonly requestId: string,
    detail: string,
  ) {
    super(FailureCode.Conflict, `request ${requestId}: ${detail}`);
  }
}

/** A configuration value the function needs is missing or malformed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** SQS kept rejecting some entries of a batch send after every retry. */
export class SendFailedError extends Error {
  override readonly name = 'SendFailedError';
  constructor(
    readonly failedIds: readonly string[],
    detail: string,
  ) {
    super(`${failedIds.length} message(s) not sent: ${detail}`);
  }
}

/**
 * The invocation event is not what its trigger sends: an SQS event whose `Records` is not a list
 * of records, or a direct invoke whose payload is not an object. Fails the invocation.
 */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
}

/** A batch came from a queue the function has no route for: a deployment fault. */
export class UnexpectedSourceError extends Error {
  override readonly name = 'UnexpectedSourceError';
  constructor(readonly sourceArn: string) {
    super(`records from unexpected queue ${sourceArn}`);
  }
}

/** A batch held records from more than one queue, which an event source mapping never does. */
export class MixedSourcesError extends Error {
  override readonly name = 'MixedSourcesError';
  constructor(readonly sourceArns: readonly string[]) {
    super(`one batch holds records from ${sourceArns.length} queues: ${sourceArns.join(', ')}`);
  }
}

/** A thrown value as a log line shows it (Powertools' `error` key: name, message, stack). */
export interface ErrorDescription {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Scalar properties the error carries (`code`, `requestId`, `$fault`, ...). */
  readonly [property: string]: string | number | boolean | undefined;
}

/**
 * Describes any thrown value for a log line, and never throws itself: JavaScript can throw
 * `null`, `undefined`, strings or objects without a prototype (whose `String()` throws), and a
 * failure to describe one must not turn one bad record into a failed batch. Only scalar
 * properties are copied, because SDK errors carry the raw HTTP response, which is large and
 * circular.
 */
export function describeError(error: unknown): ErrorDescription {
  if (error instanceof Error) {
    const out: Record<string, string | number | boolean | undefined> = {};
    for (const [key, value] of Object.entries(error)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        out[key] = value;
      }
    }
    return { ...out, name: error.name, message: error.message, stack: error.stack };
  }
  return { name: error === null ? 'null' : typeof error, message: safeString(error) };
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The pipeline request id a thrown value names, if it is an error of ours that carries one. */
export function requestIdOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('requestId' in error)) return undefined;
  return typeof error.requestId === 'string' ? error.requestId : undefined;
}
