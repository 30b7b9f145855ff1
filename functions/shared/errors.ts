import { FailureCode } from './contract';

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

/** Describes any thrown value for a log line without losing its type. */
export function describeError(error: unknown): { errorName: string; errorMessage: string } {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message };
  return { errorName: typeof error, errorMessage: String(error) };
}
