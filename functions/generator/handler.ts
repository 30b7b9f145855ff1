import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { processBatch } from '../shared/batch';
import { withInvocation } from '../shared/logger';
import { AckMessage, parseBody, RequestMessage } from '../shared/messages';
import { type GeneratorDeps, handleAcks, handleRequests } from './domain';

/** Which queue is which: the generator consumes two. */
export interface GeneratorQueues {
  readonly requestQueueArn: string;
  readonly requestDlqUrl: string;
  readonly ackQueueArn: string;
  readonly ackDlqUrl: string;
}

/** Thrown for a record from a queue this function was not built to consume. */
export class UnexpectedSourceError extends Error {
  override readonly name = 'UnexpectedSourceError';
}

/**
 * The generator's Lambda handler: requests and acks arrive through separate event source
 * mappings, so each batch is routed by its source queue ARN.
 */
export function createGeneratorHandler(base: GeneratorDeps, queues: GeneratorQueues) {
  return async (
    event: SQSEvent,
    context?: Pick<Context, 'awsRequestId'>,
  ): Promise<SQSBatchResponse> => {
    const deps = withInvocation(base, context);
    try {
      const requests: SQSRecord[] = [];
      const acks: SQSRecord[] = [];
      for (const record of event.Records) {
        if (record.eventSourceARN === queues.requestQueueArn) requests.push(record);
        else if (record.eventSourceARN === queues.ackQueueArn) acks.push(record);
        else
          throw new UnexpectedSourceError(`record from unexpected queue ${record.eventSourceARN}`);
      }
      const [fromRequests, fromAcks] = await Promise.all([
        processBatch(requests, {
          parse: (body) => parseBody(RequestMessage, body, 'request message'),
          handle: (items) => handleRequests(deps, items),
          deadLetter: { sqs: deps.sqs, queueUrl: queues.requestDlqUrl },
          logger: deps.logger,
          metrics: deps.metrics,
          retry: deps.retry,
        }),
        processBatch(acks, {
          parse: (body) => parseBody(AckMessage, body, 'ack message'),
          handle: (items) => handleAcks(deps, items),
          deadLetter: { sqs: deps.sqs, queueUrl: queues.ackDlqUrl },
          logger: deps.logger,
          metrics: deps.metrics,
          retry: deps.retry,
        }),
      ]);
      return {
        batchItemFailures: [...fromRequests.batchItemFailures, ...fromAcks.batchItemFailures],
      };
    } finally {
      deps.metrics.flush();
    }
  };
}
