import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudFormationClient,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import * as v from 'valibot';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleApi, type QueueInfo } from '../../console/api';
import { firstQueueToLookAt } from '../../console/app/queues/first-queue';
import type { LiveStageCounts } from '../../console/context';
import { MESSAGE_SCHEMAS } from '../../console/queues';
import type { Target, TargetKind } from '../../ops/target';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/StringPipeline-request';
const sqs = mockClient(SQSClient);
const cloudformation = mockClient(CloudFormationClient);
const dynamodb = mockClient(DynamoDBClient);
const logs = mockClient(CloudWatchLogsClient);
// The mocks replace the clients' classes' send: put it back for the unit files run after this one
// in the same process (the unit project does not isolate files).
afterAll(() => {
  for (const mock of [sqs, dynamodb, cloudformation, logs]) mock.restore();
});
beforeEach(() => {
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
      RequestorFunctionName: 'StringPipeline-requestor',
      GeneratorFunctionName: 'StringPipeline-generator',
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
  it('prefills the Send form with an example each queue accepts', () => {
    const { examples } = new ConsoleApi(target('local')).meta();
    for (const queue of ['request', 'response', 'ack'] as const) {
      expect(v.safeParse(MESSAGE_SCHEMAS[queue], examples[queue]).issues, queue).toBeUndefined();
    }
  });

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

  it('reads one page of a table, and hands back a token for the next', async () => {
    dynamodb.on(ScanCommand).resolves({
      Items: [{ requestId: { S: 'a' }, status: { S: 'STORED' } }],
      ScannedCount: 1,
      LastEvaluatedKey: { requestId: { S: 'a' } },
    });
    const api = new ConsoleApi(target('local'));
    const first = await api.table('requests', { limit: 1 });
    expect(first.items).toEqual([{ requestId: 'a', status: 'STORED' }]);
    expect(dynamodb.commandCalls(ScanCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'Requests',
      Limit: 1,
    });
    await api.table('requests', { start: first.next });
    expect(dynamodb.commandCalls(ScanCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
      requestId: { S: 'a' },
    });
  });

  it('fills a filtered page across as many scan pages as it takes, not just the first', async () => {
    const item = (id: string, status: string) => ({ requestId: { S: id }, status: { S: status } });
    // DynamoDB filters after it reads: each scan page holds one match among many items read.
    dynamodb
      .on(ScanCommand)
      .resolvesOnce({
        Items: [item('a', 'STORED')],
        ScannedCount: 500,
        LastEvaluatedKey: { requestId: { S: 'k1' } },
      })
      .resolvesOnce({
        Items: [item('b', 'STORED')],
        ScannedCount: 500,
        LastEvaluatedKey: { requestId: { S: 'k2' } },
      })
      .resolvesOnce({
        Items: [item('c', 'STORED'), item('d', 'STORED')],
        ScannedCount: 500,
        LastEvaluatedKey: { requestId: { S: 'k3' } },
      });
    const api = new ConsoleApi(target('local'));
    const page = await api.table('requests', { status: 'STORED', limit: 3 });
    expect(page.items.map((i) => i.requestId)).toEqual(['a', 'b', 'c']);
    expect(page.scanned).toBe(1500);
    const calls = dynamodb.commandCalls(ScanCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({
      FilterExpression: '#status = :status',
      ExpressionAttributeValues: { ':status': { S: 'STORED' } },
    });
    expect(calls[2]?.ExclusiveStartKey).toEqual({ requestId: { S: 'k2' } });
    // The next page starts after the last item shown, not after the last item read.
    dynamodb.on(ScanCommand).resolves({ Items: [] });
    await api.table('requests', { status: 'STORED', limit: 3, start: page.next });
    expect(dynamodb.commandCalls(ScanCommand)[3]?.args[0].input.ExclusiveStartKey).toEqual({
      requestId: { S: 'c' },
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
    // Firing first, then those without data, then the quiet ones.
    const order = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };
    const ranks = alarms.map((a) => order[a.state]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(alarms[0]?.state).toBe('ALARM');
    // The schedule's DLQ is no stack output; ListStackResources finds it.
    expect(
      alarms.find((a) => a.name === 'StringPipeline-requestor-schedule-dlq-not-empty')?.state,
    ).toBe('OK');
  });

  it("lists a local cloud's alarm notifications newest first, and says where AWS keeps them", async () => {
    const notifications = ['OK', 'ALARM'].map((state, i) => ({
      at: `2026-12-06T09:00:0${i}.000Z`,
      alarm: 'StringPipeline-request-dlq-not-empty',
      state,
      topic: 'arn:aws:sns:us-east-1:000000000000:StringPipeline-alarms',
      delivered: true,
      detail: `message ${i}`,
    }));
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/_local/cloudwatch/alarm-notifications' ? 200 : 404, {
        'content-type': 'application/json',
      });
      res.end(JSON.stringify({ Notifications: notifications }));
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as AddressInfo;
    try {
      const local = {
        ...target('local'),
        clientConfig: () => ({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}` }),
      };
      const answer = await new ConsoleApi(local).alarmNotifications();
      expect(answer.available && answer.notifications.map((n) => n.state)).toEqual(['ALARM', 'OK']);
    } finally {
      server.close();
    }
    expect(await new ConsoleApi(target('aws')).alarmNotifications()).toEqual({
      available: false,
    });
  });

  it('peeks a DLQ again only when its depth changed or when asked, so polling leaves the receive counts alone', async () => {
    let depth = '1';
    sqs.on(GetQueueAttributesCommand).callsFake(() => ({
      Attributes: { ApproximateNumberOfMessages: depth, RedrivePolicy: undefined },
    }));
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [{ MessageId: 'm-1', Body: 'x', Attributes: { ApproximateReceiveCount: '6' } }],
    });
    const api = new ConsoleApi(target('local'));
    const receives = () => sqs.commandCalls(ReceiveMessageCommand).length;
    const first = await api.peek('request-dlq', 20);
    const afterFirst = receives();
    expect(afterFirst).toBeGreaterThan(0);
    const second = await api.peek('request-dlq', 20);
    expect(second).toEqual(first);
    expect(receives()).toBe(afterFirst);
    depth = '2';
    await api.peek('request-dlq', 20);
    const afterChange = receives();
    expect(afterChange).toBeGreaterThan(afterFirst);
    await api.peek('request-dlq', 20, true);
    expect(receives()).toBeGreaterThan(afterChange);
    // A source queue is peeked only when someone asks, and then afresh each time.
    const beforeSource = receives();
    await api.peek('request', 10);
    const afterSource = receives();
    expect(afterSource).toBeGreaterThan(beforeSource);
    await api.peek('request', 10);
    expect(receives()).toBeGreaterThan(afterSource);
  });

  it('counts invocations, errors and p50/p99 from REPORT lines, reading only what is new on each refresh', async () => {
    let now = 1_000_000_000_000;
    const report = (id: string, ms: number, at: number, status = '') => ({
      eventId: `r-${id}`,
      timestamp: at,
      message: `REPORT RequestId: ${id}\tDuration: ${ms.toFixed(2)} ms\tBilled Duration: ${Math.ceil(ms)} ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB${status}`,
    });
    const reports = [
      report('a', 10, now - 3000),
      report('b', 20, now - 2000),
      report('c', 30, now - 1000, '\tStatus: timeout'),
    ];
    const invokeError = {
      eventId: 'e-b',
      timestamp: now - 2001,
      message: JSON.stringify({ level: 'ERROR', requestId: 'b', message: 'Invoke Error' }),
    };
    logs
      .on(FilterLogEventsCommand)
      .callsFake((input: { logGroupName: string; filterPattern: string }) => {
        if (!input.logGroupName.endsWith('requestor')) return { events: [] };
        return { events: input.filterPattern.includes('REPORT') ? reports : [invokeError] };
      });
    const api = new ConsoleApi(target('aws'), { now: () => now });
    const stats = async () => {
      const page = await api.functionStats();
      return page.find((f) => f.key === 'requestor');
    };
    expect(await stats()).toMatchObject({
      invocations: 3,
      errors: 2,
      p50Ms: 20,
      p99Ms: 30,
      windowMinutes: 5,
    });
    // Against AWS the logs cannot tell throttles: no figure rather than a made-up 0.
    expect((await stats())?.throttles).toBeUndefined();
    now += 2500;
    reports.push(report('d', 40, now - 100));
    expect((await stats())?.invocations).toBe(4);
    const calls = logs
      .commandCalls(FilterLogEventsCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.logGroupName?.endsWith('requestor') && i.filterPattern?.includes('REPORT'));
    // The second read starts just before the newest event seen, not at the window's start.
    expect(calls[1]?.startTime).toBe(now - 2500 - 1000 - 5000);
  });

  it("reports a redrive's progress while it copies, a step at a time", async () => {
    let waiting = 25;
    sqs.on(GetQueueAttributesCommand).callsFake(() => ({
      Attributes: { ApproximateNumberOfMessages: String(waiting), QueueArn: 'arn' },
    }));
    sqs.on(ReceiveMessageCommand).callsFake((input: { MaxNumberOfMessages: number }) => ({
      Messages: Array.from({ length: Math.min(input.MaxNumberOfMessages, waiting) }, (_, i) => ({
        MessageId: `m${waiting}-${i}`,
        ReceiptHandle: `h${i}`,
        Body: '{}',
      })),
    }));
    const api = new ConsoleApi(target('local'));
    const seen: number[] = [];
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => {
      seen.push(api.redriveProgress('request-dlq').moved);
      return { Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] };
    });
    sqs.on(DeleteMessageBatchCommand).callsFake((input: { Entries: unknown[] }) => {
      waiting -= input.Entries.length;
      return { Successful: [], Failed: [] };
    });
    const started = await api.redrive('request-dlq', undefined);
    expect(started).toMatchObject({ state: 'running', toMove: 25, moved: 0, method: 'copy' });
    await expect.poll(() => api.redriveProgress('request-dlq').state, { interval: 5 }).toBe('done');
    expect(api.redriveProgress('request-dlq')).toMatchObject({ moved: 25, toMove: 25, failed: [] });
    // Each send saw the count of the steps before it: progress while it ran, not only at the end.
    expect(seen).toEqual([0, 10, 20]);
  });

  it("evaluates the template's alarms: oldest message age from the engine, function errors from the logs", async () => {
    cloudformation.on(GetTemplateCommand).resolves({
      TemplateBody: JSON.stringify({
        Resources: {
          OldestAlarm: {
            Type: 'AWS::CloudWatch::Alarm',
            Properties: {
              AlarmName: 'StringPipeline-request-oldest-message-age',
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateAgeOfOldestMessage',
              Dimensions: [
                { Name: 'QueueName', Value: { 'Fn::GetAtt': ['RequestQueue', 'QueueName'] } },
              ],
              Threshold: 300,
              ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            },
          },
          ErrorsAlarm: {
            Type: 'AWS::CloudWatch::Alarm',
            Properties: {
              AlarmName: 'StringPipeline-requestor-errors',
              Namespace: 'AWS/Lambda',
              MetricName: 'Errors',
              Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'RequestorFunction' } }],
              Threshold: 1,
              ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            },
          },
          Dropped: {
            Type: 'AWS::CloudWatch::Alarm',
            Properties: {
              AlarmName: 'StringPipeline-schedule-dropped',
              Namespace: 'AWS/Scheduler',
              MetricName: 'InvocationDroppedCount',
              Threshold: 1,
              ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            },
          },
        },
      }),
    });
    cloudformation.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'RequestQueue',
          ResourceType: 'AWS::SQS::Queue',
          PhysicalResourceId: QUEUE,
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
        {
          LogicalResourceId: 'RequestorFunction',
          ResourceType: 'AWS::Lambda::Function',
          PhysicalResourceId: 'StringPipeline-requestor',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
      ],
    });
    sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { ApproximateNumberOfMessages: '3' } });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const ages = new Map([[QUEUE, 301_500]]);
    const alarms = await new ConsoleApi({
      ...target('local'),
      oldestMessageAgeMs: (url) => ages.get(url) ?? 0,
    }).alarms();
    expect(alarms.find((a) => a.name.endsWith('oldest-message-age'))).toMatchObject({
      state: 'ALARM',
      reason: 'Oldest message in StringPipeline-request: 301 s (alarm at ≥ 300 s)',
    });
    expect(alarms.find((a) => a.name.endsWith('requestor-errors'))?.state).toBe('OK');
    expect(alarms.find((a) => a.name.endsWith('schedule-dropped'))).toMatchObject({
      state: 'INSUFFICIENT_DATA',
      reason: expect.stringMatching(/no source for AWS\/Scheduler InvocationDroppedCount/),
    });
    // Against AWS without the engine the age is unknown: not OK, not ALARM.
    const remote = await new ConsoleApi(target('aws')).alarms();
    expect(remote.find((a) => a.name.endsWith('oldest-message-age'))?.state).toBe(
      'INSUFFICIENT_DATA',
    );
  });

  it('names the failed-invocation queues as the CLI does, and counts them as dead-letter queues', async () => {
    const failures = `${QUEUE.replace('request', 'requestor-failures')}`;
    cloudformation.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'RequestorFailures12AB',
          ResourceType: 'AWS::SQS::Queue',
          PhysicalResourceId: failures,
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
      ],
    });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: {} });
    const base = target('local');
    const api = new ConsoleApi({
      ...base,
      outputs: { ...base.outputs, RequestorFailureDlqUrl: failures },
    });
    const found = (await api.queues()).find((q) => q.url === failures);
    expect(found).toMatchObject({ id: 'requestor-failures', isDlq: true, redrivable: false });
  });

  it('refuses to redrive messages a handler rejected until that is confirmed', async () => {
    sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { ApproximateNumberOfMessages: '1' } });
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [
        {
          MessageId: 'm-1',
          Body: 'not json',
          Attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0' },
          MessageAttributes: {
            FailureCode: { DataType: 'String', StringValue: 'InvalidJson' },
            FailureReason: { DataType: 'String', StringValue: 'not JSON' },
          },
        },
      ],
    });
    const api = new ConsoleApi(target('local'));
    await expect(api.redrive('request-dlq', undefined)).rejects.toThrow(
      /^1 of the messages in request-dlq were rejected by a handler \(InvalidJson\): redriven, they come straight back/,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    const started = await api.redrive('request-dlq', undefined, true);
    expect(started.state).toBe('running');
  });

  it('records a request it sends in the Requests table first, so its round trip can complete', async () => {
    const order: string[] = [];
    dynamodb.on(PutItemCommand).callsFake(() => {
      order.push('PutItem');
      return {};
    });
    sqs.on(SendMessageCommand).callsFake(() => {
      order.push('SendMessage');
      return { MessageId: 'm-1' };
    });
    await new ConsoleApi(target('local')).send('request', validRequest, false);
    expect(order).toEqual(['PutItem', 'SendMessage']);
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'Requests',
      Item: { requestId: { S: '01JD0000000000000000000000' }, status: { S: 'REQUESTED' } },
      ConditionExpression: expect.stringContaining('attribute_not_exists'),
    });
    // Other queues' messages are sent as they are.
    order.length = 0;
    await new ConsoleApi(target('local')).send(
      'ack',
      JSON.stringify({ ...JSON.parse(validRequest), type: 'ack', v: 1, storedAt: 'x' }),
      true,
    );
    expect(order).toEqual(['SendMessage']);
  });
});

describe('the counts by stage', () => {
  beforeEach(() => {
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
  });
  /** Every queue empty (idle), or the request queue holding `busy` messages. */
  const depths = (busy: number) =>
    sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({
      Attributes: { ApproximateNumberOfMessages: input.QueueUrl === QUEUE ? String(busy) : '0' },
    }));
  /** Scans that find `requests` and `strings` items by status. */
  const tables = (requests: Record<string, number>, strings: Record<string, number>) =>
    dynamodb.on(ScanCommand).callsFake((input: { TableName: string }) => {
      const counts = input.TableName === 'Requests' ? requests : strings;
      return {
        Items: Object.entries(counts).flatMap(([status, n]) =>
          Array.from({ length: n }, (_, i) => ({
            requestId: { S: `${status}${i}` },
            status: { S: status },
          })),
        ),
      };
    });

  it("follow the functions' metrics beside a local cloud, without scanning while busy, and are exact once idle", async () => {
    const live: LiveStageCounts = { requested: 0, generated: 0, stored: 0, acknowledged: 0 };
    const api = new ConsoleApi({
      ...target('local'),
      liveStageCounts: () => ({ ...live }),
      tablesStartedEmpty: true,
    });
    depths(5);
    Object.assign(live, { requested: 10, generated: 8, stored: 6, acknowledged: 4 });
    expect((await api.overview()).stages).toMatchObject(live);
    Object.assign(live, { requested: 10, generated: 10, stored: 9, acknowledged: 8 });
    expect((await api.overview()).stages).toMatchObject(live);
    expect(dynamodb.commandCalls(ScanCommand)).toHaveLength(0);

    // Idle: one scan settles the counts on what the tables hold (an item written by hand too).
    depths(0);
    Object.assign(live, { generated: 10, stored: 10, acknowledged: 10 });
    tables({ STORED: 10, REQUESTED: 1 }, { ACKNOWLEDGED: 10 });
    const idle = (await api.overview()).stages;
    expect(idle).toMatchObject({ requested: 11, generated: 10, stored: 10, acknowledged: 10 });
    await api.overview();
    expect(dynamodb.commandCalls(ScanCommand)).toHaveLength(2);
  });

  it('scan once more as the pipeline goes idle elsewhere, however recently they scanned', async () => {
    const api = new ConsoleApi(target('aws'));
    depths(3);
    tables({ REQUESTED: 2 }, {});
    expect((await api.overview()).stages.requested).toBe(2);
    tables({ STORED: 3 }, { ACKNOWLEDGED: 3 });
    // Busy: the last scan is reused for a while.
    expect((await api.overview()).stages.requested).toBe(2);
    depths(0);
    expect((await api.overview()).stages).toMatchObject({ requested: 3, acknowledged: 3 });
  });
});

describe('the Queues page', () => {
  const queue = (id: string, visible: number, isDlq = id.endsWith('-dlq')) =>
    ({ id, visible, inFlight: 0, delayed: 0, isDlq }) as QueueInfo;

  it('opens on the first dead-letter queue that holds messages', () => {
    const queues = [queue('request', 3), queue('request-dlq', 0), queue('ack-dlq', 2)];
    expect(firstQueueToLookAt(queues)).toBe('ack-dlq');
    expect(firstQueueToLookAt([queue('request', 3), queue('request-dlq', 0)])).toBe('request');
    expect(firstQueueToLookAt([queue('request', 0), queue('request-dlq', 0)])).toBe('request-dlq');
  });
});
