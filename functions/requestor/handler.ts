import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processBatch } from '../shared/batch';
import { invocationScope } from '../shared/invocation';
import { parseBody, RequestStringsCommand, ResponseMessage, validate } from '../shared/messages';
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

function isSqsEvent(event: unknown): event is SQSEvent {
  return Array.isArray((event as { Records?: unknown } | null)?.Records);
}

/**
 * The requestor's Lambda handler. It has two triggers: an SQS batch from the response queue,
 * answered with a partial batch response; or `{ "count": N, "idempotencyKey": K }` (both
 * optional: an empty payload asks for the default count under the Lambda request id) from the
 * schedule or a direct invoke, answered with the request ids.
 */
export function createRequestorHandler(base: RequestorDeps, settings: RequestorSettings) {
  const begin = invocationScope();
  return async (
    event: unknown,
    context?: Pick<Context, 'awsRequestId'>,
  ): Promise<SQSBatchResponse | RequestStringsResult> => {
    const deps = begin(base, context);
    try {
      if (isSqsEvent(event)) {
        return await processBatch(event.Records, {
          parse: (body) => parseBody(ResponseMessage, body, 'response message'),
          handle: (items) => handleResponses(deps, items),
          deadLetter: { sqs: deps.sqs, queueUrl: settings.responseDlqUrl },
          logger: deps.logger,
          metrics: deps.metrics,
          retry: deps.retry,
        });
      }
      const command =
        event === null || event === undefined
          ? {}
          : validate(RequestStringsCommand, event, 'requestor invocation payload');
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
