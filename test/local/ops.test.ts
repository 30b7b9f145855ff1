import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQueues } from '../../commands/redrive';
import { QUEUES } from '../../contract/contract';
import { inspect } from '../../ops/inspect';
import { type MoveProgress, redrive } from '../../ops/redrive';
import type { Target } from '../../ops/target';
import { CREDENTIALS, type OpsFixture, REGION, startOpsFixture, string } from './ops-fixture';

describe('inspect and redrive against fauxqs and dynalite', () => {
  let f: OpsFixture;
  beforeAll(async () => {
    f = await startOpsFixture();
  });
  afterAll(() => f?.stop());

  const url = (target: Target, key: string) => target.outputs[key] ?? '';

  it('reports depths, in-flight and delayed counts, dead letters with their reasons and table counts by status', async () => {
    const target = await f.pipeline('inspect');
    const requestUrl = url(target, 'RequestQueueUrl');
    await f.send(requestUrl, [{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    await f.sqs.send(new ReceiveMessageCommand({ QueueUrl: requestUrl, VisibilityTimeout: 60 }));
    await f.sqs.send(
      new SendMessageCommand({ QueueUrl: requestUrl, MessageBody: 'later', DelaySeconds: 60 }),
    );
    // A message dead-lettered by the redrive policy, after its fifth failed receive.
    const responseUrl = url(target, 'ResponseQueueUrl');
    await f.send(responseUrl, [{ body: 'poison' }]);
    for (let receive = 0; receive < 6; receive++) {
      await f.sqs.send(new ReceiveMessageCommand({ QueueUrl: responseUrl, VisibilityTimeout: 0 }));
    }
    // Dead letters a handler rejected, with the reason it gives.
    await f.send(url(target, 'RequestDlqUrl'), [
      {
        body: '{"v":1,"type":"request"}',
        attributes: {
          FailureCode: string('InvalidMessage'),
          FailureReason: string('requestId is required'),
        },
      },
      { body: 'x'.repeat(500) },
    ]);
    const put = (table: string, requestId: string, status: string) =>
      f.dynamodb.send(
        new PutItemCommand({
          TableName: url(target, table),
          Item: { requestId: { S: requestId }, status: { S: status } },
        }),
      );
    for (const [id, status] of [
      ['r1', 'REQUESTED'],
      ['r2', 'REQUESTED'],
      ['r3', 'STORED'],
    ] as const) {
      await put('RequestsTableName', id, status);
    }
    await put('StringsTableName', 'r3', 'ACKNOWLEDGED');
    await put('StringsTableName', 'r2', 'GENERATED');

    const report = await inspect(target, { peek: 10 });

    const byQueue = Object.fromEntries(report.queues.map((q) => [q.queue, q]));
    expect(byQueue.Request).toMatchObject({
      visible: 2,
      inFlight: 1,
      delayed: 1,
      dlq: { visible: 2, inFlight: 0 },
    });
    const rejected = byQueue.Request?.dlq.peeked.find((m) => m.failureCode);
    expect(rejected).toMatchObject({
      failureCode: 'InvalidMessage',
      failureReason: 'requestId is required',
      body: '{"v":1,"type":"request"}',
    });
    const long = byQueue.Request?.dlq.peeked.find((m) => !m.failureCode);
    expect(long?.body).toBe(`${'x'.repeat(200)}…`);
    expect(byQueue.Response).toMatchObject({ visible: 0, inFlight: 0, dlq: { visible: 1 } });
    expect(byQueue.Response?.dlq.peeked[0]).toMatchObject({ body: 'poison' });
    expect(byQueue.Response?.dlq.peeked[0]?.receiveCount).toBeGreaterThanOrEqual(5);
    expect(byQueue.Ack).toMatchObject({ visible: 0, inFlight: 0, delayed: 0, dlq: { visible: 0 } });
    expect(report.tables).toEqual({
      Requests: { REQUESTED: 2, STORED: 1 },
      Strings: { GENERATED: 1, ACKNOWLEDGED: 1 },
    });
    // Peeking hides nothing: the very next receive gets every dead letter.
    expect(await f.drain(url(target, 'RequestDlqUrl'))).toHaveLength(2);
    expect(await f.drain(url(target, 'ResponseDlqUrl'))).toHaveLength(1);
  });

  it('moves nothing on a dry run, and says how many would move', async () => {
    const target = await f.pipeline('dry');
    await f.send(url(target, 'RequestDlqUrl'), [{ body: '1' }, { body: '2' }, { body: '3' }]);

    const [all] = await redrive(target, { queues: ['Request'], dryRun: true });
    const [capped] = await redrive(target, { queues: ['Request'], dryRun: true, max: 2 });

    expect(all).toMatchObject({ method: 'dry-run', waiting: 3, toMove: 3, moved: 0 });
    expect(capped).toMatchObject({ method: 'dry-run', waiting: 3, toMove: 2, moved: 0 });
    expect(await f.visible(url(target, 'RequestDlqUrl'))).toBe(3);
    expect(await f.visible(url(target, 'RequestQueueUrl'))).toBe(0);
  });

  it('moves every dead letter back once, keeping its body and attributes but not the failure', async () => {
    const target = await f.pipeline('move');
    const bodies = Array.from({ length: 23 }, (_, i) => `message ${i}`);
    await f.send(
      url(target, 'RequestDlqUrl'),
      bodies.map((body) => ({
        body,
        attributes: {
          Trace: string(`trace of ${body}`),
          FailureCode: string('UnknownRequest'),
          FailureReason: string('no such request'),
        },
      })),
    );

    const [result] = await redrive(target, { queues: ['Request'] });

    expect(result).toMatchObject({ method: 'copy', waiting: 23, moved: 23, failed: [] });
    expect(await f.visible(url(target, 'RequestDlqUrl'))).toBe(0);
    const moved = await f.drain(url(target, 'RequestQueueUrl'));
    expect(moved.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    for (const m of moved) {
      expect(m.MessageAttributes).toEqual({ Trace: string(`trace of ${m.Body}`) });
    }
  });

  it('moves at most --max messages and leaves the rest in the DLQ', async () => {
    const target = await f.pipeline('max');
    await f.send(
      url(target, 'ResponseDlqUrl'),
      Array.from({ length: 15 }, (_, i) => ({ body: `m${i}` })),
    );

    const [result] = await redrive(target, { queues: ['Response'], max: 12 });

    expect(result).toMatchObject({ method: 'copy', waiting: 15, toMove: 12, moved: 12 });
    expect(await f.visible(url(target, 'ResponseQueueUrl'))).toBe(12);
    expect(await f.visible(url(target, 'ResponseDlqUrl'))).toBe(3);
  });

  it('deletes from the DLQ only what was sent, and leaves a message the source queue refused where it was', async () => {
    // The ack queue takes smaller messages than its DLQ, so one dead letter cannot go back.
    const target = await f.pipeline('partial', { ackMaxMessageSize: 1024 });
    const dlqUrl = url(target, 'AckDlqUrl');
    await f.send(dlqUrl, [{ body: 'small 1' }, { body: 'y'.repeat(2000) }, { body: 'small 2' }]);

    const [result] = await redrive(target, { queues: ['Ack'] });

    expect(result).toMatchObject({ method: 'copy', waiting: 3, moved: 2 });
    expect(result?.failed).toEqual([
      { messageId: expect.any(String), stage: 'send', reason: expect.stringMatching(/1024/) },
    ]);
    expect((await f.drain(url(target, 'AckQueueUrl'))).map((m) => m.Body).sort()).toEqual([
      'small 1',
      'small 2',
    ]);
    // Visible again at once, so the next redrive (after the cause is fixed) sees it.
    const left = await f.drain(dlqUrl);
    expect(left.map((m) => m.MessageId)).toEqual([result?.failed[0]?.messageId]);
    expect(left[0]?.Body).toHaveLength(2000);
  });

  it('redrives every queue with --all', async () => {
    const target = await f.pipeline('all');
    for (const queue of QUEUES) await f.send(url(target, `${queue}DlqUrl`), [{ body: queue }]);

    const results = await redrive(target, { queues: parseQueues(undefined, true) });

    expect(results.map((r) => [r.queue, r.moved])).toEqual([
      ['Request', 1],
      ['Response', 1],
      ['Ack', 1],
    ]);
    for (const queue of QUEUES) {
      expect((await f.drain(url(target, `${queue}QueueUrl`))).map((m) => m.Body)).toEqual([queue]);
    }
  });

  it('copies instead when the endpoint has no message move tasks', async () => {
    const local = await f.pipeline('fallback');
    await f.send(url(local, 'RequestDlqUrl'), [{ body: 'back' }]);
    // Seen as LocalStack or AWS, fauxqs answers StartMessageMoveTask with an unknown-action error.
    const endpoint: Target = { ...local, kind: 'endpoint', clientConfig: local.clientConfig };

    const [result] = await redrive(endpoint, { queues: ['Request'] });

    expect(result).toMatchObject({ method: 'copy', moved: 1 });
    expect((await f.drain(url(local, 'RequestQueueUrl'))).map((m) => m.Body)).toEqual(['back']);
  });

  it('names the missing output of an incomplete stack', async () => {
    const target = await f.pipeline('incomplete');
    const { AckDlqUrl: _, ...outputs } = target.outputs;

    await expect(redrive({ ...target, outputs }, { queues: ['Ack'] })).rejects.toThrow(
      /has no output AckDlqUrl/,
    );
    await expect(inspect({ ...target, outputs })).rejects.toThrow(/has no output AckDlqUrl/);
  });
});

describe('moving dead letters on AWS', () => {
  const dlqArn = 'arn:aws:sqs:us-east-1:123456789012:Request-dlq';
  const sourceArn = 'arn:aws:sqs:us-east-1:123456789012:Request';
  const target: Target = {
    kind: 'aws',
    region: REGION,
    stackName: 'StringPipeline',
    outputs: {
      RequestQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/Request',
      RequestDlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/Request-dlq',
    },
    description: 'stack StringPipeline in us-east-1',
    clientConfig: () => ({ region: REGION, credentials: CREDENTIALS }),
  };

  it('starts a message move task from the DLQ to its source queue and follows it to the end', async () => {
    const mock = mockClient(SQSClient);
    try {
      mock
        .on(GetQueueAttributesCommand, { QueueUrl: target.outputs.RequestDlqUrl })
        .resolves({ Attributes: { QueueArn: dlqArn, ApproximateNumberOfMessages: '40' } })
        .on(GetQueueAttributesCommand, { QueueUrl: target.outputs.RequestQueueUrl })
        .resolves({ Attributes: { QueueArn: sourceArn } })
        .on(StartMessageMoveTaskCommand)
        .resolves({ TaskHandle: 'task-1' })
        .on(ListMessageMoveTasksCommand)
        .resolvesOnce({
          Results: [
            {
              TaskHandle: 'task-1',
              Status: 'RUNNING',
              ApproximateNumberOfMessagesMoved: 10,
              ApproximateNumberOfMessagesToMove: 40,
            },
          ],
        })
        .resolves({
          Results: [
            {
              TaskHandle: 'task-1',
              Status: 'COMPLETED',
              ApproximateNumberOfMessagesMoved: 40,
              ApproximateNumberOfMessagesToMove: 40,
            },
          ],
        });
      const progress: MoveProgress[] = [];

      const [result] = await redrive(target, {
        queues: ['Request'],
        pollMs: 0,
        onProgress: (p) => progress.push(p),
      });

      expect(mock.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
        SourceArn: dlqArn,
        DestinationArn: sourceArn,
      });
      expect(result).toMatchObject({
        method: 'move-task',
        waiting: 40,
        moved: 40,
        taskHandle: 'task-1',
      });
      expect(progress.map((p) => p.moved)).toEqual([10, 40]);
      expect(mock.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
    } finally {
      mock.restore();
    }
  });

  it('reports a failed move task with its reason', async () => {
    const mock = mockClient(SQSClient);
    try {
      mock
        .on(GetQueueAttributesCommand)
        .resolves({ Attributes: { QueueArn: dlqArn, ApproximateNumberOfMessages: '3' } })
        .on(StartMessageMoveTaskCommand)
        .resolves({ TaskHandle: 'task-2' })
        .on(ListMessageMoveTasksCommand)
        .resolves({
          Results: [
            {
              TaskHandle: 'task-2',
              Status: 'FAILED',
              ApproximateNumberOfMessagesMoved: 1,
              FailureReason: 'AccessDenied',
            },
          ],
        });

      await expect(redrive(target, { queues: ['Request'], pollMs: 0 })).rejects.toThrow(
        'The move task for the request DLQ failed after 1 messages: AccessDenied',
      );
    } finally {
      mock.restore();
    }
  });
});
