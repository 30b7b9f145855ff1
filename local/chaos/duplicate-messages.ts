/**
 * The SQS side of the `duplicate` injection: takes messages off a queue and puts two copies of
 * each back, as SQS's at-least-once delivery may, without ever losing one.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** Takes up to ten messages off `url` and sends two copies of each; returns how many. */
export async function duplicateMessages(sqs: SQSClient, url: string): Promise<number> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
    }),
  );
  if (Messages.length === 0) return 0;
  const sent = await sendTwice(sqs, url, Messages);
  // Only originals with a copy on the queue are deleted, so nothing is ever lost here.
  const replaced = Messages.map((m, i) => ({ m, i })).filter(({ i }) => sent.has(i));
  if (replaced.length > 0) {
    await sqs
      .send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: replaced.map(({ m, i }) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle,
          })),
        }),
      )
      .catch(() => undefined);
  }
  return [...sent.values()].filter((n) => n === 2).length;
}

/** Sends each message twice, a batch per copy; returns the copies sent by message index. */
async function sendTwice(
  sqs: SQSClient,
  url: string,
  messages: Message[],
): Promise<Map<number, number>> {
  const copies = (copy: number) =>
    messages.map((m: Message, i) => ({
      Id: `${copy}-${i}`,
      MessageBody: m.Body ?? '',
      MessageAttributes: m.MessageAttributes,
    }));
  const sent = new Map<number, number>();
  for (const copy of [0, 1]) {
    // A failed send leaves the original in flight: it returns after the visibility timeout.
    const result = await sqs
      .send(new SendMessageBatchCommand({ QueueUrl: url, Entries: copies(copy) }))
      .catch(() => undefined);
    for (const ok of result?.Successful ?? []) {
      const index = Number(ok.Id?.split('-')[1]);
      sent.set(index, (sent.get(index) ?? 0) + 1);
    }
  }
  return sent;
}
