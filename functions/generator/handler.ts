import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type Failures, type ParsedRecord, processBatch } from '../shared/batch';
import { MixedSourcesError, UnexpectedSourceError } from '../shared/errors';
import { invocationScope } from '../shared/invocation';
import { ACK_VERSIONS, AnyAckMessage, parseBody, RequestMessage } from '../shared/messages';
import { sqsRecordsOf } from '../shared/sqs-event';
import { type GeneratorDeps, handleAcks, handleRequests } from './domain';

/** Which queue is which: the generator consumes two. */
export interface GeneratorQueues {
  readonly requestQueueArn: string;
  readonly requestDlqUrl: string;
  readonly ackQueueArn: string;
  readonly ackDlqUrl: string;
}

/** How the generator treats the messages of one source queue. */
interface SourceRoute<T> {
  readonly parse: (body: string) => T;
  readonly handle: (deps: GeneratorDeps, items: ParsedRecord<T>[]) => Promise<Failures>;
  /** Where this queue's poison messages go. */
  readonly dlqUrl: string;
}

/**
 * Checks that a route's parser and handler agree on the message type, then forgets the type so
 * routes for different messages fit in one table.
 */
function route<T>(definition: SourceRoute<T>): SourceRoute<unknown> {
  return definition as SourceRoute<unknown>;
}

/**
 * The generator's Lambda handler. Requests and acks arrive through separate event source
 * mappings, and a mapping delivers records from its one queue per invocation, so the batch is
 * routed once, by the source ARN of its records, to that queue's parser, logic and DLQ.
 *
 * An empty batch succeeds; an event whose records lack what the batch code reads throws
 * MalformedEventError. A batch from a queue the function was not built for throws
 * UnexpectedSourceError, and a batch mixing queues throws MixedSourcesError: either fails the
 * whole batch (Lambda retries every record, then the redrive policy dead-letters them), because
 * a mapping this code does not expect is a deployment fault that no single record explains.
 */
export function createGeneratorHandler(base: GeneratorDeps, queues: GeneratorQueues) {
  const routes = new Map<string, SourceRoute<unknown>>([
    [
      queues.requestQueueArn,
      route({
        parse: (body) => parseBody(RequestMessage, body, 'request message'),
        handle: handleRequests,
        dlqUrl: queues.requestDlqUrl,
      }),
    ],
    [
      queues.ackQueueArn,
      route({
        parse: (body) => parseBody(AnyAckMessage, body, 'ack message', ACK_VERSIONS),
        handle: handleAcks,
        dlqUrl: queues.ackDlqUrl,
      }),
    ],
  ]);
  const begin = invocationScope();

  return async (
    event: SQSEvent,
    context?: Pick<Context, 'awsRequestId'>,
  ): Promise<SQSBatchResponse> => {
    const deps = begin(base, context);
    try {
      const records = sqsRecordsOf(event);
      const [first] = records;
      if (!first) return { batchItemFailures: [] };
      const source = first.eventSourceARN;
      const target = routes.get(source);
      if (!target) rejectBatch(deps, event, new UnexpectedSourceError(source));
      const others = new Set(records.map((record) => record.eventSourceARN));
      others.delete(source);
      if (others.size > 0) rejectBatch(deps, event, new MixedSourcesError([source, ...others]));
      return await processBatch(records, {
        parse: target.parse,
        handle: (items) => target.handle(deps, items),
        deadLetter: { sqs: deps.sqs, queueUrl: target.dlqUrl },
        logger: deps.logger,
        metrics: deps.metrics,
        retry: deps.retry,
      });
    } finally {
      deps.metrics.flush();
    }
  };
}

/** Logs why a whole batch is refused, then fails the invocation with `error`. */
function rejectBatch(deps: GeneratorDeps, event: SQSEvent, error: Error): never {
  deps.logger.error('batch rejected; every record in it will be retried', {
    records: event.Records.length,
    error,
  });
  throw error;
}
