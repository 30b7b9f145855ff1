import { Env, Service } from '../../contract/contract';
import { dynamodb, sqs } from '../shared/clients';
import { readEnv } from '../shared/env';
import { Logger } from '../shared/logger';
import { Metrics } from '../shared/metrics';
import { randomString } from '../shared/random-string';
import { createGeneratorHandler } from './handler';
import { dynamoStringsStore } from './strings-store';

const env = readEnv([
  Env.StringsTableName,
  Env.ResponseQueueUrl,
  Env.RequestQueueArn,
  Env.RequestDlqUrl,
  Env.AckQueueArn,
  Env.AckDlqUrl,
  Env.MetricsNamespace,
]);

export const handler = createGeneratorHandler(
  {
    store: dynamoStringsStore(dynamodb, env[Env.StringsTableName]),
    sqs,
    responseQueueUrl: env[Env.ResponseQueueUrl],
    generate: () => randomString(),
    clock: () => new Date(),
    logger: new Logger({ service: Service.Generator }),
    metrics: new Metrics(env[Env.MetricsNamespace], Service.Generator),
  },
  {
    requestQueueArn: env[Env.RequestQueueArn],
    requestDlqUrl: env[Env.RequestDlqUrl],
    ackQueueArn: env[Env.AckQueueArn],
    ackDlqUrl: env[Env.AckDlqUrl],
  },
);
