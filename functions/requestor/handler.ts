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
 * The count an on-demand or scheduled invocation asks for. `{}`, `null` and no payload at all
 * mean the default count (the schedule sends `{}`); anything else must be `{ "count": N }`.
 *
 * @throws MalformedEventError for a payload that is not an object (an array, string, number, boolean)
 * @throws InvalidMessageError naming the field for an object that is not a valid command
 */
function requestedCount(event: unknown, defaultCount: number): number {
  if (event === null || event === undefined) return defaultCount;
  if (typeof event !== 'object' || Array.isArray(event)) {
    const kind = Array.isArray(event) ? 'an array' : `a ${typeof event}`;
    throw new MalformedEventError(
      `the requestor's payload must be an object such as {"count": 10}, or {} or null for the default count (${defaultCount}); got ${kind}`,
    );
  }
  if (Object.keys(event).length === 0) return defaultCount;
  return validate(RequestStringsCommand, event, 'requestor invocation payload').count;
}

/**
 * The requestor's Lambda handler. It has two triggers: an SQS batch from the response queue,
 * answered with a partial batch response; or `{ "count": N }` from the schedule or a direct
 * invoke (`{}`, `null` or no payload asks for the default count), answered with the new request
 * ids. Any other payload fails the invocation with an error saying what was expected.
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
      const count = requestedCount(event, settings.defaultCount);
      return { requestIds: await requestStrings(deps, count) };
    } finally {
      deps.metrics.flush();
    }
  };
}
