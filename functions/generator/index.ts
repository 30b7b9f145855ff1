import { dynamodb, sqs } from '../shared/clients';
import { readEnv } from '../shared/env';
import { Logger } from '../shared/logger';
import { Metrics } from '../shared/metrics';
import { randomString } from '../shared/random-string';
import { createGeneratorHandler } from './handler';
import { dynamoStringsStore } from './strings-store';

const env = readEnv([
  'STRINGS_TABLE_NAME',
  'RESPONSE_QUEUE_URL',
  'REQUEST_QUEUE_ARN',
  'REQUEST_DLQ_URL',
  'ACK_QUEUE_ARN',
  'ACK_DLQ_URL',
  'METRICS_NAMESPACE',
]);

export const handler = createGeneratorHandler(
  {
    store: dynamoStringsStore(dynamodb, env.STRINGS_TABLE_NAME),
    sqs,
    responseQueueUrl: env.RESPONSE_QUEUE_URL,
    generate: () => randomString(),
    clock: () => new Date(),
    logger: new Logger({ service: 'generator' }),
    metrics: new Metrics(env.METRICS_NAMESPACE, 'generator'),
  },
  {
    requestQueueArn: env.REQUEST_QUEUE_ARN,
    requestDlqUrl: env.REQUEST_DLQ_URL,
    ackQueueArn: env.ACK_QUEUE_ARN,
    ackDlqUrl: env.ACK_DLQ_URL,
  },
);
