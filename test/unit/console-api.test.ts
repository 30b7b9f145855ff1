import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConsoleApi } from '../../console/api';
import type { Target, TargetKind } from '../../ops/target';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/StringPipeline-request';
const sqs = mockClient(SQSClient);
const cloudformation = mockClient(CloudFormationClient);
const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => {
  sqs.reset();
  dynamodb.reset();
  cloudformation.reset();
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
});

function target(kind: TargetKind): Target {
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
    },
    clientConfig: () => ({ region: 'us-east-1' }),
  };
}
const validRequest = JSON.stringify({
  v: 1,
  type: 'request',
  requestId: '01JD0000000000000000000000',
  requestedAt: '2026-11-25T12:00:00.000Z',
});

describe('console API', () => {
  it('refuses every write against AWS without --allow-writes, naming the flag, and calls nothing', async () => {
    const api = new ConsoleApi(target('aws'));
    await expect(api.send('request', validRequest, false)).rejects.toThrow(
      /^Refused to send a message: the console is read-only against AWS .*--allow-writes/,
    );
    await expect(api.purge('request', 'request')).rejects.toThrow(/Refused to purge a queue/);
    await expect(api.redrive('request-dlq', undefined)).rejects.toThrow(/Refused to redrive/);
    await expect(api.invoke('requestor', { count: 1 })).rejects.toThrow(/Refused to invoke/);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('sends against AWS with --allow-writes, and against LocalStack without it', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    for (const api of [
      new ConsoleApi(target('aws'), { allowWrites: true }),
      new ConsoleApi(target('endpoint')),
    ]) {
      await expect(api.send('request', validRequest, false)).resolves.toEqual({ messageId: 'm-1' });
    }
  });

  it('checks a body against its queue schema, and sends an invalid one only when asked to', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-2' });
    const api = new ConsoleApi(target('local'));
    await expect(api.send('request', '{"v":1,"type":"request"}', false)).rejects.toThrow(
      /invalid request message: requestId: is required.*send invalid on purpose/,
    );
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    await api.send('request', 'not json', true);
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).toMatchObject({
      QueueUrl: QUEUE,
      MessageBody: 'not json',
    });
  });

  it('purges only when the confirmation repeats the queue id', async () => {
    sqs.on(PurgeQueueCommand).resolves({});
    const api = new ConsoleApi(target('local'));
    await expect(api.purge('request', 'yes')).rejects.toThrow(/type request to confirm/);
    await expect(api.purge('request', 'request')).resolves.toEqual({ purged: 'request' });
    expect(sqs.commandCalls(PurgeQueueCommand)).toHaveLength(1);
  });

  it('reads one page of a table with the status as a filter, and hands back a token for the next', async () => {
    dynamodb.on(ScanCommand).resolves({
      Items: [{ requestId: { S: 'a' }, status: { S: 'STORED' } }],
      ScannedCount: 20,
      LastEvaluatedKey: { requestId: { S: 'a' } },
    });
    const api = new ConsoleApi(target('local'));
    const first = await api.table('requests', { status: 'STORED', limit: 20 });
    expect(first.items).toEqual([{ requestId: 'a', status: 'STORED' }]);
    expect(dynamodb.commandCalls(ScanCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'Requests',
      Limit: 20,
      FilterExpression: '#status = :status',
      ExpressionAttributeValues: { ':status': { S: 'STORED' } },
    });
    await api.table('requests', { start: first.next });
    expect(dynamodb.commandCalls(ScanCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
      requestId: { S: 'a' },
    });
  });

  it('names the failed call and the queue when the target refuses it', async () => {
    sqs
      .on(GetQueueAttributesCommand)
      .rejects(
        Object.assign(new Error('Access to the resource is denied'), { name: 'AccessDenied' }),
      );
    const api = new ConsoleApi(target('aws'));
    cloudformation.on(ListStackResourcesCommand).rejects(new Error('no'));
    await expect(api.queues()).rejects.toThrow(
      /^GetQueueAttributes on request failed: AccessDenied: Access to the resource is denied$/,
    );
  });

  it('evaluates the DLQ alarms on the current depths', async () => {
    sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({
      Attributes: { ApproximateNumberOfMessages: input.QueueUrl === `${QUEUE}-dlq` ? '2' : '0' },
    }));
    const alarms = await new ConsoleApi(target('local')).alarms();
    expect(alarms.find((a) => a.name === 'StringPipeline-request-dlq-not-empty')).toMatchObject({
      state: 'ALARM',
      reason: '2 messages in StringPipeline-request-dlq',
    });
    expect(alarms.find((a) => a.name === 'StringPipeline-ack-dlq-not-empty')?.state).toBe('OK');
    // The schedule's DLQ is no stack output; ListStackResources finds it.
    expect(
      alarms.find((a) => a.name === 'StringPipeline-requestor-schedule-dlq-not-empty')?.state,
    ).toBe('OK');
  });
});
