// SQS's ListDeadLetterSourceQueues, which fauxqs lacks: answered from the queues' redrive policies.

import type { IncomingMessage } from 'node:http';
import type { Upstream } from '../upstream';
import { callFauxqs, type JsonAnswer } from './call-fauxqs';

/** The queues whose redrive policy names `queueUrl`'s queue as their dead-letter queue. */
export async function deadLetterSources(
  upstream: Upstream,
  like: IncomingMessage,
  queueUrl: string,
): Promise<JsonAnswer> {
  const target = await callFauxqs(upstream, like, 'GetQueueAttributes', {
    QueueUrl: queueUrl,
    AttributeNames: ['QueueArn'],
  });
  if (target.status !== 200) return target;
  const arn = (target.body.Attributes as Record<string, string> | undefined)?.QueueArn;
  const all = await callFauxqs(upstream, like, 'ListQueues', {});
  const sources: string[] = [];
  for (const url of (all.body.QueueUrls as string[] | undefined) ?? []) {
    const { body } = await callFauxqs(upstream, like, 'GetQueueAttributes', {
      QueueUrl: url,
      AttributeNames: ['RedrivePolicy'],
    });
    const policy = (body.Attributes as Record<string, string> | undefined)?.RedrivePolicy;
    if (
      policy &&
      (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === arn
    ) {
      sources.push(url);
    }
  }
  return { status: 200, body: { queueUrls: sources } };
}
