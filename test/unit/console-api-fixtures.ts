/**
 * Set-up shared by the console-api-*.test.ts files, so the client mocks are made once: the unit
 * files share a process, and each file resets the mocks before its tests and restores them after.
 */
import {
  CloudFormationClient,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach } from 'vitest';
import type { Target, TargetKind } from '../../ops/target';

export const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/StringPipeline-request';
export const sqs = mockClient(SQSClient);
export const cloudformation = mockClient(CloudFormationClient);
export const dynamodb = mockClient(DynamoDBClient);
export const logs = mockClient(CloudWatchLogsClient);

/**
 * The mocks replace the clients' classes' send: put it back for the unit files run after this one
 * in the same process (the unit project does not isolate files). A later console-api file gets
 * the mocks back from `resetMocks`, since `reset()` stubs the class's send afresh.
 */
function restoreMocks() {
  for (const mock of [sqs, dynamodb, cloudformation, logs]) mock.restore();
}

/** Clears every mock's behaviour and calls, then answers the stack look-ups every page makes. */
function resetMocks() {
  sqs.reset();
  dynamodb.reset();
  cloudformation.reset();
  logs.reset();
  cloudformation.on(GetTemplateCommand).rejects(new Error('no template here'));
  cloudformation.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      {
        LogicalResourceId: 'RequestorScheduleDlqA1B2',
        ResourceType: 'AWS::SQS::Queue',
        PhysicalResourceId: `${QUEUE.replace('request', 'requestor-schedule')}-dlq`,
        ResourceStatus: 'CREATE_COMPLETE',
        LastUpdatedTimestamp: new Date(),
      },
      {
        LogicalResourceId: 'RequestQueue',
        ResourceType: 'AWS::SQS::Queue',
        PhysicalResourceId: QUEUE,
        ResourceStatus: 'CREATE_COMPLETE',
        LastUpdatedTimestamp: new Date(),
      },
    ],
  });
}

export function target(kind: TargetKind): Target {
  return {
    kind,
    region: 'us-east-1',
    stackName: 'StringPipeline',
    description: `stack StringPipeline (${kind})`,
    outputs: {
      RequestQueueUrl: QUEUE,
      RequestDlqUrl: `${QUEUE}-dlq`,
      ResponseQueueUrl: `${QUEUE.replace('request', 'response')}`,
      ResponseDlqUrl: `${QUEUE.replace('request', 'response')}-dlq`,
      AckQueueUrl: `${QUEUE.replace('request', 'ack')}`,
      AckDlqUrl: `${QUEUE.replace('request', 'ack')}-dlq`,
      RequestsTableName: 'Requests',
      StringsTableName: 'Strings',
      RequestorFunctionName: 'StringPipeline-requestor',
      GeneratorFunctionName: 'StringPipeline-generator',
    },
    clientConfig: () => ({ region: 'us-east-1' }),
  };
}
export const validRequest = JSON.stringify({
  v: 1,
  type: 'request',
  requestId: '01JD0000000000000000000000',
  requestedAt: '2026-11-25T12:00:00.000Z',
});

/** For a console-api test file: fresh mocks before each test, the real clients back after all. */
export function useConsoleMocks(): void {
  beforeEach(resetMocks);
  afterAll(restoreMocks);
}
