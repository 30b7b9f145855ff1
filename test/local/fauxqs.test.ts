import { createHash } from 'node:crypto';
import {
  CreateQueueCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Endpoint, startEndpoint } from '../../local/endpoint/gateway';
import { S3_UPLOAD_LIMIT_BYTES, s3Service } from '../../local/endpoint/s3';
import { inProcessUpstream } from '../../local/endpoint/upstream';
import { type SqsEmulator, startSqs } from '../../local/sqs/emulator';
import { rawRequest } from '../raw-http';

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

describe("S3 on the endpoint, in front of fauxqs's store", () => {
  let sqs: SqsEmulator;
  let endpoint: Endpoint;
  beforeAll(async () => {
    sqs = await startSqs();
    sqs.buckets.create('assets');
    const upstream = inProcessUpstream(sqs.dispatch);
    endpoint = await startEndpoint({
      port: 0,
      services: {
        s3: s3Service({ upstream, accountId: '000000000000', hasBucket: sqs.buckets.has }),
      },
    });
  });
  afterAll(async () => {
    await endpoint?.stop();
    await sqs?.stop();
  });

  const signed = {
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
  };
  /** A body as the SDK streams it (cdk-assets' uploads): aws-chunked with a SHA-256 trailer. */
  const chunked = (text: string) => {
    const sha = createHash('sha256').update(text).digest('base64');
    const half = Math.ceil(text.length / 2);
    const chunks = [text.slice(0, half), text.slice(half)].filter((c) => c.length > 0);
    const body = chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('');
    return {
      headers: {
        ...signed,
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'x-amz-decoded-content-length': String(text.length),
        'x-amz-trailer': 'x-amz-checksum-sha256',
      },
      body: `${body}0\r\nx-amz-checksum-sha256:${sha}\r\n\r\n`,
    };
  };
  const put = (key: string, headers: Record<string, string>, body: string) =>
    rawRequest(`${endpoint.url}/assets/${key}`, headers, body, 'PUT');
  const get = async (key: string) =>
    (await rawRequest(`${endpoint.url}/assets/${key}`, signed, '', 'GET')).text;

  it('stores plain and aws-chunked uploads, up to the local bound, as sent', async () => {
    const template = JSON.stringify({ Resources: {} });
    expect((await put('template.json', signed, template)).status).toBe(200);
    const asset = 'a'.repeat(100_000);
    const { headers, body } = chunked(asset);
    expect((await put('asset.zip', headers, body)).status).toBe(200);
    // fauxqs takes at most this much in one request: a bound above it would answer its JSON 413.
    const largest = 'b'.repeat(S3_UPLOAD_LIMIT_BYTES);
    expect((await put('largest.bin', signed, largest)).status).toBe(200);
    expect(await get('template.json')).toBe(template);
    expect(await get('asset.zip')).toBe(asset);
    expect(sqs.buckets.read('assets', 'largest.bin')?.length).toBe(S3_UPLOAD_LIMIT_BYTES);
  });

  it('assembles a multipart upload of aws-chunked parts', async () => {
    const created = await rawRequest(`${endpoint.url}/assets/big.zip?uploads`, signed, '', 'POST');
    const uploadId = /<UploadId>([^<]+)</.exec(created.text)?.[1] ?? '';
    const parts = ['x'.repeat(5 * 1024 * 1024), 'tail'];
    const etags: string[] = [];
    for (const [i, text] of parts.entries()) {
      const { headers, body } = chunked(text);
      const answer = await put(`big.zip?partNumber=${i + 1}&uploadId=${uploadId}`, headers, body);
      expect(answer.status, answer.text).toBe(200);
      etags.push(String(answer.headers.etag));
    }
    const complete = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    const done = await rawRequest(
      `${endpoint.url}/assets/big.zip?uploadId=${uploadId}`,
      signed,
      complete,
      'POST',
    );
    expect(done.status, done.text).toBe(200);
    expect(sqs.buckets.read('assets', 'big.zip')?.toString()).toBe(parts.join(''));
  });
});
