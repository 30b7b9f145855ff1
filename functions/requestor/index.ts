import { dynamodb, sqs } from '../shared/clients';
import { positiveInt, readEnv } from '../shared/env';
import { Logger } from '../shared/logger';
import { Metrics } from '../shared/metrics';
import { defaultIdSource } from './domain';
import { createRequestorHandler } from './handler';
import { dynamoRequestsStore } from './requests-store';

const env = readEnv([
  'REQUESTS_TABLE_NAME',
  'REQUEST_QUEUE_URL',
  'ACK_QUEUE_URL',
  'RESPONSE_DLQ_URL',
  'METRICS_NAMESPACE',
  'DEFAULT_REQUEST_COUNT',
]);

export const handler = createRequestorHandler(
  {
    store: dynamoRequestsStore(dynamodb, env.REQUESTS_TABLE_NAME),
    sqs,
    requestQueueUrl: env.REQUEST_QUEUE_URL,
    ackQueueUrl: env.ACK_QUEUE_URL,
    newId: defaultIdSource,
    clock: () => new Date(),
    logger: new Logger({ service: 'requestor' }),
    metrics: new Metrics(env.METRICS_NAMESPACE, 'requestor'),
  },
  {
    responseDlqUrl: env.RESPONSE_DLQ_URL,
    defaultCount: positiveInt('DEFAULT_REQUEST_COUNT', env.DEFAULT_REQUEST_COUNT),
  },
);
