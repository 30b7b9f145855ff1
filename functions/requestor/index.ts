import { Env, Service } from '../../contract/contract';
import { dynamodb, sqs } from '../shared/clients';
import { positiveInt, readEnv } from '../shared/env';
import { Logger } from '../shared/logger';
import { Metrics } from '../shared/metrics';
import { defaultIdSource } from './domain';
import { createRequestorHandler } from './handler';
import { dynamoRequestsStore } from './requests-store';

const env = readEnv([
  Env.RequestsTableName,
  Env.RequestQueueUrl,
  Env.AckQueueUrl,
  Env.ResponseDlqUrl,
  Env.MetricsNamespace,
  Env.DefaultRequestCount,
]);

export const handler = createRequestorHandler(
  {
    store: dynamoRequestsStore(dynamodb, env[Env.RequestsTableName]),
    sqs,
    requestQueueUrl: env[Env.RequestQueueUrl],
    ackQueueUrl: env[Env.AckQueueUrl],
    requestId: defaultIdSource,
    clock: () => new Date(),
    logger: new Logger({ service: Service.Requestor }),
    metrics: new Metrics(env[Env.MetricsNamespace], Service.Requestor),
  },
  {
    responseDlqUrl: env[Env.ResponseDlqUrl],
    defaultCount: positiveInt(Env.DefaultRequestCount, env[Env.DefaultRequestCount]),
  },
);
