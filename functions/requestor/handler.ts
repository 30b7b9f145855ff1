import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { processBatch } from '../shared/batch';
import { MalformedEventError } from '../shared/errors';
import { invocationScope } from '../shared/invocation';
import { parseBody, RequestStringsCommand, ResponseMessage, validate } from '../shared/messages';
import { looksLikeSqsEvent, sqsRecordsOf } from '../shared/sqs-event';
import { handleResponses, type RequestorDeps, requestStrings } from './domain';

/** What an on-demand or scheduled invocation returns. */
export interface RequestStringsResult {
  readonly requestIds: string[];
}

/** Settings of the requestor that are not dependencies. */
export interface RequestorSettings {
  readonly responseDlqUrl: string;
  /** Strings asked for when an invocation names no count. */
  readonly defaultCount: number;
}

/**
 * The command of an on-demand or scheduled invocation. `null` or no payload is the empty
 * command (the default count); otherwise it must be an object, `{ "count": N, "idempotencyKey": K }`
 * with both fields optional.
 *
 * @throws MalformedEventError for a payload that is not an object (an array, string, number, boolean)
 * @throws InvalidMessageError naming the field for an object that is not a valid command
 */
function invocationCommand(event: unknown, defaultCount: number): RequestStringsCommand {
  if (event === null || event === undefined) return {};
  if (typeof event !== 'object' || Array.isArray(event)) {
    const kind = Array.isArray(event) ? 'an array' : `a ${typeof event}`;
    throw new MalformedEventError(
      `the requestor's payload must be an object such as {"count": 10}, or {} or null for the default count (${defaultCount}); got ${kind}`,
    );
  }
  return validate(RequestStringsCommand, event, 'requestor invocation payload');
}

/**
 * The requestor's Lambda handler. It has two triggers: an SQS batch from the response queue,
 * answered with a partial batch response; or `{ "count": N, "idempotencyKey": K }` (both
 * optional: an empty payload asks for the default count under the Lambda request id) from the
 * schedule or a direct invoke, answered with the request ids. A payload that is not an object
 * fails the invocation with an error saying what was expected.
 */
export function createRequestorHandler(base: RequestorDeps, settings: RequestorSettings) {
  const begin = invocationScope();
  return async (
    event: unknown,
    context?: Pick<Context, 'awsRequestId'>,
  ): Promise<SQSBatchResponse | RequestStringsResult> => {
    const deps = begin(base, context);
    try {
      if (looksLikeSqsEvent(event)) {
        return await processBatch(sqsRecordsOf(event), {
          parse: (body) => parseBody(ResponseMessage, body, 'response message'),
          handle: (items) => handleResponses(deps, items),
          deadLetter: { sqs: deps.sqs, queueUrl: settings.responseDlqUrl },
          logger: deps.logger,
          metrics: deps.metrics,
          retry: deps.retry,
        });
      }
      const command = invocationCommand(event, settings.defaultCount);
      // Lambda keeps the request id on its own retries of an async invocation; a caller without
      // a context (a test) gets a key of its own.
      const idempotencyKey = command.idempotencyKey ?? context?.awsRequestId ?? randomUUID();
      const count = command.count ?? settings.defaultCount;
      return { requestIds: await requestStrings(deps, { count, idempotencyKey }) };
    } finally {
      deps.metrics.flush();
    }
  };
}
