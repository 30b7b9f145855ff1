import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { drainQueue } from '../../ops/drain';

const URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq';
const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({ region: 'us-east-1' });
const messages = (ids: string[]): Message[] =>
  ids.map((id) => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: id }));

afterEach(() => sqsMock.reset());
// The mock replaces the class's send: the unit files run after this one in the same process (the
// project does not isolate files) need the real one back.
afterAll(() => sqsMock.restore());

describe('draining a queue', () => {
  it('deletes what the act completed and makes what it failed on visible again at the end', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: messages(['a', 'b', 'c']) })
      .resolves({});
    sqsMock.on(DeleteMessageBatchCommand).resolves({});
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({});

    const result = await drainQueue(sqs, URL, 100, async (batch) =>
      batch.map((m) =>
        m.Body === 'b' ? { stage: 'send' as const, reason: 'too big' } : undefined,
      ),
    );

    expect(result).toEqual({
      moved: 2,
      failed: [{ messageId: 'b', stage: 'send', reason: 'too big' }],
    });
    const deleted = sqsMock.commandCalls(DeleteMessageBatchCommand)[0]?.args[0].input.Entries;
    expect(deleted?.map((e) => e.ReceiptHandle)).toEqual(['rh-a', 'rh-c']);
    const givenBack = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)[0]?.args[0].input;
    expect(givenBack?.Entries).toEqual([{ Id: '0', ReceiptHandle: 'rh-b', VisibilityTimeout: 0 }]);
  });

  it('receives no more than the limit, ten at the most per receive', async () => {
    sqsMock.on(ReceiveMessageCommand).callsFake((input: { MaxNumberOfMessages: number }) => ({
      Messages: messages(Array.from({ length: input.MaxNumberOfMessages }, (_, i) => `m${i}`)),
    }));
    sqsMock.on(DeleteMessageBatchCommand).resolves({});

    const result = await drainQueue(sqs, URL, 13, async (batch) => batch.map(() => undefined));

    expect(result.moved).toBe(13);
    const asked = sqsMock
      .commandCalls(ReceiveMessageCommand)
      .map((c) => c.args[0].input.MaxNumberOfMessages);
    expect(asked).toEqual([10, 3]);
  });

  it('reports the messages SQS did not delete, with its reason, and goes on', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: messages(['a', 'b']) })
      .resolvesOnce({ Messages: messages(['c']) })
      .resolves({});
    sqsMock
      .on(DeleteMessageBatchCommand)
      .resolvesOnce({
        Failed: [
          { Id: '1', Code: 'ReceiptHandleIsInvalid', Message: 'expired', SenderFault: true },
        ],
      })
      .rejectsOnce(new Error('connection reset'));

    const result = await drainQueue(sqs, URL, 100, async (batch) => batch.map(() => undefined));

    expect(result).toEqual({
      moved: 3,
      failed: [
        { messageId: 'b', stage: 'delete', reason: 'ReceiptHandleIsInvalid: expired' },
        { messageId: 'c', stage: 'delete', reason: 'Error: connection reset' },
      ],
    });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
  });
});
