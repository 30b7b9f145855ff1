import { ListDeadLetterSourceQueuesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness';

// Older clients (AWS CLI v1, SDK for JavaScript v2, boto3 before 2024) speak SQS's query protocol:
// form-encoded requests, XML answers. These requests are written by hand, as such a client sends
// them, and the XML is read with regular expressions.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** Sends a query-protocol request, signed (in form only) by `accessKeyId` when given. */
async function query(
  params: Record<string, string | number>,
  opts: { accessKeyId?: string; path?: string } = {},
): Promise<{ status: number; xml: string }> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
  };
  if (opts.accessKeyId) {
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${opts.accessKeyId}/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0`;
  }
  const body = new URLSearchParams(
    Object.entries({ Version: '2012-11-05', ...params }).map(([k, v]) => [k, String(v)]),
  );
  const res = await fetch(`${h.cloud.endpoint}${opts.path ?? '/'}`, {
    method: 'POST',
    headers,
    body,
  });
  return { status: res.status, xml: await res.text() };
}

/** The text of every `<tag>` element (not nested in another of the same name). */
function all(tag: string, xml: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');
}
const one = (tag: string, xml: string) => all(tag, xml)[0];
/** `<Attribute><Name>k</Name><Value>v</Value></Attribute>` elements as a map. */
const attributes = (xml: string) =>
  Object.fromEntries(all('Attribute', xml).map((a) => [one('Name', a), one('Value', a)]));

describe('SQS over the query protocol', () => {
  it('creates, lists, describes and deletes queues, and finds dead-letter sources', async () => {
    const dlq = await query({ Action: 'CreateQueue', QueueName: 'query-dlq' });
    expect(dlq.status).toBe(200);
    expect(dlq.xml).toMatch(
      /^<\?xml[^>]*\?><CreateQueueResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><CreateQueueResult><QueueUrl>/,
    );
    expect(one('RequestId', dlq.xml)).toMatch(/^[0-9a-f-]{36}$/);
    const dlqUrl = one('QueueUrl', dlq.xml) ?? '';
    expect(dlqUrl).toBe(`${h.cloud.endpoint}/000000000000/query-dlq`);
    const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:query-dlq';

    const source = await query({
      Action: 'CreateQueue',
      QueueName: 'query-source',
      'Attribute.1.Name': 'VisibilityTimeout',
      'Attribute.1.Value': '45',
      'Attribute.2.Name': 'RedrivePolicy',
      'Attribute.2.Value': JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
    });
    const sourceUrl = one('QueueUrl', source.xml) ?? '';

    const listed = await query({ Action: 'ListQueues', QueueNamePrefix: 'query-' });
    expect(all('QueueUrl', listed.xml).sort()).toEqual([dlqUrl, sourceUrl]);
    expect(
      one('QueueUrl', (await query({ Action: 'GetQueueUrl', QueueName: 'query-source' })).xml),
    ).toBe(sourceUrl);

    const set = await query({
      Action: 'SetQueueAttributes',
      QueueUrl: sourceUrl,
      'Attribute.1.Name': 'DelaySeconds',
      'Attribute.1.Value': '0',
      'Attribute.2.Name': 'MessageRetentionPeriod',
      'Attribute.2.Value': '600',
    });
    expect(set.xml).toMatch(/<SetQueueAttributesResponse [^>]*><ResponseMetadata><RequestId>/);
    const described = await query({
      Action: 'GetQueueAttributes',
      QueueUrl: sourceUrl,
      'AttributeName.1': 'VisibilityTimeout',
      'AttributeName.2': 'MessageRetentionPeriod',
      'AttributeName.3': 'QueueArn',
    });
    expect(attributes(described.xml)).toEqual({
      VisibilityTimeout: '45',
      MessageRetentionPeriod: '600',
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:query-source',
    });

    const sources = await query({ Action: 'ListDeadLetterSourceQueues', QueueUrl: dlqUrl });
    expect(sources.xml).toContain('<ListDeadLetterSourceQueuesResult>');
    expect(all('QueueUrl', sources.xml)).toEqual([sourceUrl]);

    for (const url of [sourceUrl, dlqUrl]) {
      const deleted = await query({ Action: 'DeleteQueue', QueueUrl: url });
      expect(deleted.xml).toMatch(/<DeleteQueueResponse [^>]*><ResponseMetadata>/);
    }
    const gone = await query({ Action: 'GetQueueUrl', QueueName: 'query-source' });
    expect(gone.status).toBe(400);
    expect(gone.xml).toMatch(
      /<ErrorResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><Error><Type>Sender<\/Type><Code>AWS.SimpleQueueService.NonExistentQueue<\/Code><Message>[^<]+<\/Message>/,
    );
  });

  it('sends, receives with attributes, changes visibility, deletes and purges messages', async () => {
    const created = await query({ Action: 'CreateQueue', QueueName: 'query-messages' });
    const url = one('QueueUrl', created.xml) ?? '';

    const sent = await query({
      Action: 'SendMessage',
      QueueUrl: url,
      MessageBody: 'hello <query> & "protocol"',
      'MessageAttribute.1.Name': 'kind',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'greeting',
      'MessageAttribute.2.Name': 'blob',
      'MessageAttribute.2.Value.DataType': 'Binary',
      'MessageAttribute.2.Value.BinaryValue': Buffer.from('bytes').toString('base64'),
    });
    expect(sent.status).toBe(200);
    const sentResult = one('SendMessageResult', sent.xml) ?? '';
    expect(one('MessageId', sentResult)).toMatch(/\S/);
    expect(one('MD5OfMessageBody', sentResult)).toMatch(/^[0-9a-f]{32}$/);
    expect(one('MD5OfMessageAttributes', sentResult)).toMatch(/^[0-9a-f]{32}$/);

    const batch = await query({
      Action: 'SendMessageBatch',
      QueueUrl: url,
      'SendMessageBatchRequestEntry.1.Id': 'a',
      'SendMessageBatchRequestEntry.1.MessageBody': 'first',
      'SendMessageBatchRequestEntry.2.Id': 'b',
      'SendMessageBatchRequestEntry.2.MessageBody': 'second',
      'SendMessageBatchRequestEntry.2.MessageAttribute.1.Name': 'n',
      'SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType': 'Number',
      'SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue': '7',
    });
    expect(
      all('SendMessageBatchResultEntry', batch.xml)
        .map((e) => one('Id', e))
        .sort(),
    ).toEqual(['a', 'b']);

    const received = await query({
      Action: 'ReceiveMessage',
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      'AttributeName.1': 'All',
      'MessageAttributeName.1': 'All',
    });
    const messages = all('Message', received.xml);
    expect(messages).toHaveLength(3);
    const hello = messages.find((m) => one('Body', m)?.startsWith('hello')) ?? '';
    expect(one('Body', hello)).toBe('hello &lt;query&gt; &amp; &quot;protocol&quot;');
    expect(attributes(hello)).toMatchObject({
      ApproximateReceiveCount: '1',
      SentTimestamp: expect.stringMatching(/^\d+$/),
    });
    const messageAttributes = Object.fromEntries(
      all('MessageAttribute', hello).map((a) => [one('Name', a), one('Value', a)]),
    );
    expect(messageAttributes).toEqual({
      kind: '<StringValue>greeting</StringValue><DataType>String</DataType>',
      blob: `<BinaryValue>${Buffer.from('bytes').toString('base64')}</BinaryValue><DataType>Binary</DataType>`,
    });
    const handles = messages.map((m) => one('ReceiptHandle', m) ?? '');

    const changed = await query({
      Action: 'ChangeMessageVisibility',
      QueueUrl: url,
      ReceiptHandle: handles[0] ?? '',
      VisibilityTimeout: 60,
    });
    expect(changed.xml).toMatch(/<ChangeMessageVisibilityResponse [^>]*><ResponseMetadata>/);
    const changedBatch = await query({
      Action: 'ChangeMessageVisibilityBatch',
      QueueUrl: url,
      'ChangeMessageVisibilityBatchRequestEntry.1.Id': 'x',
      'ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle': handles[1] ?? '',
      'ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout': 60,
    });
    expect(all('ChangeMessageVisibilityBatchResultEntry', changedBatch.xml)).toEqual([
      '<Id>x</Id>',
    ]);

    const deleted = await query({
      Action: 'DeleteMessage',
      QueueUrl: url,
      ReceiptHandle: handles[0] ?? '',
    });
    expect(deleted.status).toBe(200);
    const deletedBatch = await query({
      Action: 'DeleteMessageBatch',
      QueueUrl: url,
      'DeleteMessageBatchRequestEntry.1.Id': 'ok',
      'DeleteMessageBatchRequestEntry.1.ReceiptHandle': handles[1] ?? '',
    });
    expect(all('DeleteMessageBatchResultEntry', deletedBatch.xml)).toEqual(['<Id>ok</Id>']);

    const depth = async () =>
      attributes(
        (
          await query({
            Action: 'GetQueueAttributes',
            QueueUrl: url,
            'AttributeName.1': 'ApproximateNumberOfMessagesNotVisible',
          })
        ).xml,
      ).ApproximateNumberOfMessagesNotVisible;
    expect(await depth()).toBe('1');
    const purged = await query({ Action: 'PurgeQueue', QueueUrl: url });
    expect(purged.xml).toMatch(/<PurgeQueueResponse [^>]*><ResponseMetadata>/);
    expect(await depth()).toBe('0');
  });

  it('takes the queue URL from the request path, as the SDK for JavaScript v2 sends it', async () => {
    const url =
      one('QueueUrl', (await query({ Action: 'CreateQueue', QueueName: 'query-path' })).xml) ?? '';
    const sent = await query(
      { Action: 'SendMessage', MessageBody: 'by path' },
      { path: new URL(url).pathname },
    );
    expect(sent.status).toBe(200);
    const attrs = await query({
      Action: 'GetQueueAttributes',
      QueueUrl: url,
      'AttributeName.1': 'ApproximateNumberOfMessages',
    });
    expect(attributes(attrs.xml).ApproximateNumberOfMessages).toBe('1');
  });

  it('refuses an action it does not serve with the query-protocol error naming it', async () => {
    const { status, xml } = await query({ Action: 'AddPermission', QueueUrl: 'x' });
    expect(status).toBe(400);
    expect(one('Code', xml)).toBe('InvalidAction');
    expect(one('Message', xml)).toContain('AddPermission');
  });

  it("applies a role session's grants: AccessDenied naming the action and the queue", async () => {
    const generator = h.cloud.outputs.GeneratorFunctionName ?? '';
    const { accessKeyId } = h.cloud.roleCredentials(generator);
    const requestQueue = h.cloud.outputs.RequestQueueUrl ?? '';
    const queueArn = `arn:aws:sqs:us-east-1:000000000000:${requestQueue.split('/').pop()}`;

    const refused = await query(
      {
        Action: 'SendMessageBatch',
        QueueUrl: requestQueue,
        'SendMessageBatchRequestEntry.1.Id': '1',
        'SendMessageBatchRequestEntry.1.MessageBody': 'x',
      },
      { accessKeyId },
    );
    expect(refused.status).toBe(403);
    expect(one('Type', refused.xml)).toBe('Sender');
    expect(one('Code', refused.xml)).toBe('AccessDenied');
    expect(one('Message', refused.xml)).toMatch(
      new RegExp(
        `^User: arn:aws:sts::000000000000:assumed-role/StringPipeline-GeneratorRole[^/]*/${generator} is not authorized to perform: sqs:SendMessage on resource: ${queueArn} because no identity-based policy allows the sqs:SendMessage action$`,
      ),
    );
    // Its poller's grant on the same queue holds over the query protocol too.
    const allowed = await query(
      { Action: 'GetQueueAttributes', QueueUrl: requestQueue, 'AttributeName.1': 'QueueArn' },
      { accessKeyId },
    );
    expect(attributes(allowed.xml).QueueArn).toBe(queueArn);
  });

  it('serves ListDeadLetterSourceQueues, which fauxqs lacks, over the JSON protocol too', async () => {
    const { queueUrls } = await h.sqs.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: h.cloud.outputs.RequestDlqUrl }),
    );
    expect(queueUrls).toEqual([h.cloud.outputs.RequestQueueUrl]);
  });
});
