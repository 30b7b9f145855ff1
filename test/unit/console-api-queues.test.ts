/**
 * The console's queue actions (sending, purging, peeking and redriving), kept together because
 * they share the write guard and the queue ids the Queues page works with.
 */
import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { ConsoleApi, type QueueInfo } from '../../console/api';
import { firstQueueToLookAt } from '../../console/app/queues/first-queue';
import { MESSAGE_SCHEMAS } from '../../console/queues';
import {
  cloudformation,
  dynamodb,
  QUEUE,
  sqs,
  target,
  useConsoleMocks,
  validRequest,
} from './console-api-fixtures';

useConsoleMocks();

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
