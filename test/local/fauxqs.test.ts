import {
  CreateQueueCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SqsEmulator, startSqs } from '../../local/sqs/emulator';

describe('fauxqs as the local cloud starts it', () => {
  let sqs: SqsEmulator;
  let client: SQSClient;
  beforeAll(async () => {
    sqs = await startSqs();
    client = new SQSClient({
      endpoint: sqs.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    client.destroy();
    await sqs.stop();
  });

  const send = async (url: string, from: number, count: number) => {
    for (let i = from; i < from + count; i += 10) {
      const ids = Array.from({ length: Math.min(10, from + count - i) }, (_, j) => i + j);
      await client.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: ids.map((id) => ({ Id: String(id), MessageBody: String(id) })),
        }),
      );
    }
  };
  const receive = async (url: string, count: number) => {
    const bodies: number[] = [];
    while (bodies.length < count) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }),
      );
      if (Messages.length === 0) break;
      bodies.push(...Messages.map((m) => Number(m.Body)));
    }
    return bodies;
  };

  it('hands out a backlog in order and counts it, through a purge', async () => {
    const { QueueUrl: url = '' } = await client.send(
      new CreateQueueCommand({ QueueName: 'deque' }),
    );
    await send(url, 0, 2500);
    expect(await receive(url, 1500)).toEqual(Array.from({ length: 1500 }, (_, i) => i));
    expect(sqs.depth(url)).toMatchObject({ visible: 1000, inFlight: 1500 });
    await client.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect(sqs.depth(url)).toMatchObject({ visible: 0, inFlight: 0 });
    await send(url, 5000, 3);
    expect(await receive(url, 3)).toEqual([5000, 5001, 5002]);
  });
});
