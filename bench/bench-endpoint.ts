/**
 * The local cloud's endpoint and IAM in front of bare emulators, for the bare replay's `endpoint`
 * variant: the same calls as the direct replay, so the difference is the endpoint's and IAM's own
 * cost, apart from the engine's.
 */

import { DEFAULT_REGION, LOCAL_ACCOUNT_ID } from '../aws/defaults';
import type { DynamoDbEmulator } from '../local/dynamodb/emulator';
import { dynamodbService } from '../local/endpoint/dynamodb';
import { startEndpoint } from '../local/endpoint/gateway';
import { sqsService } from '../local/endpoint/sqs';
import { inProcessUpstream } from '../local/endpoint/upstream';
import { RoleSessions, type SessionCredentials } from '../local/iam/sessions';
import type { SqsEmulator } from '../local/sqs/emulator';

/** A started bench endpoint: where to send calls, and the role session's credentials to sign them. */
export interface BenchEndpoint {
  readonly url: string;
  readonly credentials: SessionCredentials;
  readonly stop: () => Promise<void>;
}

/**
 * The local cloud's endpoint (SQS and DynamoDB, as `local/cloud.ts` wires them) in front of the
 * emulators, with one role session allowed SQS and DynamoDB on the account's queues and tables:
 * every call is routed, its permission derived and evaluated, then handed over in-process.
 */
export async function startBenchEndpoint(
  sqsEmulator: SqsEmulator,
  dynamoEmulator: DynamoDbEmulator,
): Promise<BenchEndpoint> {
  const sessions = new RoleSessions(LOCAL_ACCOUNT_ID);
  const session = sessions.issue(
    {
      logicalId: 'BenchRole',
      name: 'BenchRole',
      arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/BenchRole`,
      policies: [
        {
          name: 'BenchPolicy',
          statements: [
            {
              effect: 'Allow',
              actions: ['sqs:*', 'dynamodb:*'],
              resources: [
                `arn:aws:sqs:${DEFAULT_REGION}:${LOCAL_ACCOUNT_ID}:*`,
                `arn:aws:dynamodb:${DEFAULT_REGION}:${LOCAL_ACCOUNT_ID}:table/*`,
              ],
            },
          ],
        },
      ],
      unsupported: [],
    },
    'bench',
  );
  const endpoint = await startEndpoint({
    port: 0,
    sessions,
    services: {
      sqs: sqsService({
        upstream: inProcessUpstream(sqsEmulator.dispatch),
        region: DEFAULT_REGION,
        accountId: LOCAL_ACCOUNT_ID,
      }),
      dynamodb: dynamodbService({
        upstream: inProcessUpstream(dynamoEmulator.dispatch),
        region: DEFAULT_REGION,
        accountId: LOCAL_ACCOUNT_ID,
      }),
    },
  });
  return { url: endpoint.url, credentials: session.credentials, stop: () => endpoint.stop() };
}
