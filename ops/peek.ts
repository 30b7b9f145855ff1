/**
 * Looking at a queue's messages without taking them, on any target. SQS can only show a message
 * by receiving it (here with a zero visibility timeout, so it stays visible), and every receive
 * adds one to the message's receive count: on AWS and LocalStack each look counts. The local
 * cloud also answers a peek that reads its queues without a receive (its endpoint's
 * `/_aws/sqs/messages`), so there the counts shown stay the counts the pipeline made.
 */
import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { localEndpoint, readLocalRoute } from './local-routes';

/** Where to peek without a receive, if the target can: the local cloud's endpoint. */
export const peekEndpoint = localEndpoint;

/**
 * Up to `limit` distinct messages of the queue at `url`: read from the local cloud without a
 * receive when `localEndpoint` is given (and answers), else received with a zero visibility
 * timeout, which counts towards each message's receive count.
 */
export async function peekMessages(
  sqs: SQSClient,
  url: string,
  limit: number,
  localEndpoint?: string,
): Promise<Message[]> {
  if (localEndpoint) {
    const peeked = await peekLocally(localEndpoint, url, limit);
    if (peeked) return peeked;
  }
  return receiveToPeek(sqs, url, limit);
}

/** The local cloud's peek, or undefined when the endpoint does not serve one. */
async function peekLocally(
  endpoint: string,
  url: string,
  limit: number,
): Promise<Message[] | undefined> {
  const query = new URLSearchParams({ QueueUrl: url, MaxNumberOfMessages: String(limit) });
  const answer = await readLocalRoute<{ Messages?: Message[] }>(
    endpoint,
    `/_aws/sqs/messages?${query}`,
  );
  return answer && (answer.Messages ?? []);
}

async function receiveToPeek(sqs: SQSClient, url: string, limit: number): Promise<Message[]> {
  const seen = new Map<string, Message>();
  // SQS samples servers, so a few receives may be needed to see `limit` distinct messages.
  for (let attempt = 0; attempt < Math.ceil(limit / 10) + 2 && seen.size < limit; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, Math.max(1, limit)),
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) {
      if (seen.size < limit && message.MessageId) seen.set(message.MessageId, message);
    }
  }
  return [...seen.values()];
}
