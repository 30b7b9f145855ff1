/**
 * The rate bare fauxqs and dynalite sustain for the pipeline's call mix, without the local cloud
 * around them (no worker-thread functions, no event source emulation, no metering): the ceiling
 * the local cloud's throughput is compared with.
 */
import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import type { MappingSettings } from './local-run';

/** Options of {@link replayOnBareEmulators}. */
export interface ReplayOptions {
  readonly roundTrips: number;
  /** Batch size and consumers per queue, as the template's event source mappings have them. */
  readonly mappings: MappingSettings;
  /**
   * Calls of the measured run by `Service.Action`. Receives the pipeline itself does not need
   * (the local cloud's pollers may make more: empty long polls, batching-window top-ups) are made
   * up with extra receives on the drained queues, so the replay makes at least the same calls.
   */
  readonly targetCalls?: Readonly<Record<string, number>>;
}

/** What the replay did and how fast. */
export interface ReplayResult {
  /** From the first call until the last round trip's ack was processed (top-up receives included). */
  readonly seconds: number;
  readonly roundTripsPerSecond: number;
  /** CPU time of this process over `seconds` (emulators and clients share one thread). */
  readonly cpuSeconds: number;
  /** Calls made, by `Service.Action`. */
  readonly calls: Record<string, number>;
}

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** The limits the handlers batch by (functions/shared/sqs.ts, requests-store.ts). */
const SQS_BATCH = 10;
const DYNAMO_BATCH = 25;
/** Concurrency of the requestor's BatchWriteItem and SendMessageBatch calls (mapLimit in functions/). */
const WRITE_CONCURRENCY = 4;
const SEND_CONCURRENCY = 8;
/** The mappings' long poll. */
const LONG_POLL_SECONDS = 20;

/** Runs `fn` over `items` with at most `limit` in flight. */
async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++];
        if (item !== undefined) await fn(item);
      }
    }),
  );
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Starts a bare fauxqs and dynalite on 127.0.0.1 (free ports, stopped afterwards), creates three
 * queues and two tables like the stack's, and drives `roundTrips` round trips through them with
 * the SDK v3 clients: the same calls the handlers and event source mappings make (BatchWriteItem
 * and SendMessageBatch to request; per message a conditional PutItem or UpdateItem; one
 * SendMessageBatch reply and one DeleteMessageBatch per batch), with the mappings' batch size and
 * `maximumConcurrency` consumers per queue.
 */
export async function replayOnBareEmulators(opts: ReplayOptions): Promise<ReplayResult> {
  // buildApp, not fauxqs's CLI or startFauxqs, which listen on every interface.
  const app = buildApp({ logger: false, defaultRegion: REGION });
  const sqsEndpoint = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(
    'localhost',
    '127.0.0.1',
  );
  const dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(0, '127.0.0.1', () => resolve());
  });
  const dynamoEndpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  const sqs = new SQSClient({ region: REGION, endpoint: sqsEndpoint, credentials: CREDENTIALS });
  const ddb = new DynamoDBClient({
    region: REGION,
    endpoint: dynamoEndpoint,
    credentials: CREDENTIALS,
  });
  try {
    return await replay(sqs, ddb, opts);
  } finally {
    sqs.destroy();
    ddb.destroy();
    await app.close();
    await new Promise<void>((resolve) => dynamo.close(() => resolve()));
  }
}

async function replay(
  sqs: SQSClient,
  ddb: DynamoDBClient,
  opts: ReplayOptions,
): Promise<ReplayResult> {
  const calls: Record<string, number> = {};
  const count = (key: string) => {
    calls[key] = (calls[key] ?? 0) + 1;
  };

  const queueUrl = async (name: string) => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60' } }),
    );
    if (!QueueUrl) throw new Error(`fauxqs returned no URL for ${name}`);
    return QueueUrl;
  };
  const queues = {
    request: await queueUrl('bench-request'),
    response: await queueUrl('bench-response'),
    ack: await queueUrl('bench-ack'),
  };
  for (const TableName of ['bench-requests', 'bench-strings']) {
    await ddb.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'requestId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }

  const sendBatch = async (url: string, bodies: string[]) => {
    count('SQS.SendMessageBatch');
    const { Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: bodies.map((MessageBody, i) => ({ Id: String(i), MessageBody })),
      }),
    );
    if (Failed.length > 0) throw new Error(`SendMessageBatch failed: ${JSON.stringify(Failed)}`);
  };
  // Ends the consumers' long polls once the run is over.
  const stopPolling = new AbortController();
  // Every consumer's receive listens on it; that many listeners are expected, not a leak.
  setMaxListeners(0, stopPolling.signal);
  const receive = async (url: string, max: number, waitSeconds: number): Promise<Message[]> => {
    count('SQS.ReceiveMessage');
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: stopPolling.signal },
    );
    return Messages;
  };
  const deleteBatch = async (url: string, messages: Message[]) => {
    for (const part of chunk(messages, SQS_BATCH)) {
      count('SQS.DeleteMessageBatch');
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: part.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
  };
  const now = () => ({ S: new Date().toISOString() });
  const value = 'x'.repeat(64);
  const parse = (m: Message) => JSON.parse(m.Body ?? '{}') as { requestId: string };

  // What each consumer does with a batch, mirroring functions/generator and functions/requestor.
  const handlers: Record<keyof typeof queues, (batch: Message[]) => Promise<void>> = {
    request: async (batch) => {
      await Promise.all(
        batch.map(async (m) => {
          count('DynamoDB.PutItem');
          await ddb.send(
            new PutItemCommand({
              TableName: 'bench-strings',
              Item: {
                requestId: { S: parse(m).requestId },
                status: { S: 'GENERATED' },
                value: { S: value },
                generatedAt: now(),
              },
              ConditionExpression: 'attribute_not_exists(requestId)',
            }),
          );
        }),
      );
      const replies = batch.map((m) =>
        JSON.stringify({ v: 1, type: 'response', requestId: parse(m).requestId, value }),
      );
      await mapLimit(chunk(replies, SQS_BATCH), SEND_CONCURRENCY, (part) =>
        sendBatch(queues.response, part),
      );
    },
    response: async (batch) => {
      await Promise.all(
        batch.map(async (m) => {
          count('DynamoDB.UpdateItem');
          await ddb.send(
            new UpdateItemCommand({
              TableName: 'bench-requests',
              Key: { requestId: { S: parse(m).requestId } },
              UpdateExpression:
                'SET #value = :value, #status = :stored, storedAt = if_not_exists(storedAt, :at)',
              ConditionExpression:
                'attribute_exists(requestId) AND (attribute_not_exists(#value) OR #value = :value)',
              ExpressionAttributeNames: { '#value': 'value', '#status': 'status' },
              ExpressionAttributeValues: {
                ':value': { S: value },
                ':stored': { S: 'STORED' },
                ':at': now(),
              },
              ReturnValues: 'ALL_OLD',
            }),
          );
        }),
      );
      const acks = batch.map((m) =>
        JSON.stringify({ v: 1, type: 'ack', requestId: parse(m).requestId }),
      );
      await mapLimit(chunk(acks, SQS_BATCH), SEND_CONCURRENCY, (part) =>
        sendBatch(queues.ack, part),
      );
    },
    ack: async (batch) => {
      await Promise.all(
        batch.map(async (m) => {
          count('DynamoDB.UpdateItem');
          await ddb.send(
            new UpdateItemCommand({
              TableName: 'bench-strings',
              Key: { requestId: { S: parse(m).requestId } },
              UpdateExpression:
                'SET #status = :acknowledged, acknowledgedAt = if_not_exists(acknowledgedAt, :at)',
              ConditionExpression: 'attribute_exists(requestId)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':acknowledged': { S: 'ACKNOWLEDGED' }, ':at': now() },
              ReturnValues: 'UPDATED_OLD',
            }),
          );
        }),
      );
    },
  };

  const { batchSize, maximumConcurrency } = opts.mappings;
  let acknowledged = 0;
  let finished: () => void = () => {};
  const allAcknowledged = new Promise<void>((resolve) => {
    finished = resolve;
  });
  let done = false;
  const consumer = async (queue: keyof typeof queues) => {
    const url = queues[queue];
    while (!done) {
      // Gather a batch as the mapping does: a 20 s long poll, then up to 10 per receive until the
      // batch is full or the queue is dry.
      const batch: Message[] = [];
      try {
        while (batch.length < batchSize && !done) {
          const got = await receive(
            url,
            Math.min(SQS_BATCH, batchSize - batch.length),
            batch.length === 0 ? LONG_POLL_SECONDS : 0,
          );
          batch.push(...got);
          if (got.length < SQS_BATCH) break;
        }
      } catch (error) {
        if (done) return;
        throw error;
      }
      if (batch.length === 0) continue;
      await handlers[queue](batch);
      await deleteBatch(url, batch);
      if (queue === 'ack') {
        acknowledged += batch.length;
        if (acknowledged >= opts.roundTrips) finished();
      }
    }
  };

  const cpu = process.cpuUsage();
  const started = performance.now();
  const consumers = (['request', 'response', 'ack'] as const).flatMap((queue) =>
    Array.from({ length: maximumConcurrency }, () => consumer(queue)),
  );
  // The requestor: record every request, then send them, as requestStrings does.
  const ids = Array.from({ length: opts.roundTrips }, (_, i) => String(i).padStart(26, '0'));
  const requestedAt = new Date().toISOString();
  await mapLimit(chunk(ids, DYNAMO_BATCH), WRITE_CONCURRENCY, async (part) => {
    count('DynamoDB.BatchWriteItem');
    const item = (requestId: string): Record<string, AttributeValue> => ({
      requestId: { S: requestId },
      requestedAt: { S: requestedAt },
      status: { S: 'REQUESTED' },
    });
    const { UnprocessedItems = {} } = await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: { 'bench-requests': part.map((id) => ({ PutRequest: { Item: item(id) } })) },
      }),
    );
    if (Object.keys(UnprocessedItems).length > 0)
      throw new Error('dynalite left items unprocessed');
  });
  await mapLimit(
    chunk(
      ids.map((requestId) => JSON.stringify({ v: 1, type: 'request', requestId, requestedAt })),
      SQS_BATCH,
    ),
    SEND_CONCURRENCY,
    (part) => sendBatch(queues.request, part),
  );

  await allAcknowledged;
  // Receives the local cloud's pollers made beyond the pipeline's own, on the drained queues.
  const owed = (opts.targetCalls?.['SQS.ReceiveMessage'] ?? 0) - (calls['SQS.ReceiveMessage'] ?? 0);
  const urls = Object.values(queues);
  await mapLimit(
    Array.from({ length: Math.max(0, owed) }, (_, i) => urls[i % urls.length] ?? queues.request),
    3 * maximumConcurrency,
    async (url) => {
      await receive(url, SQS_BATCH, 0);
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  done = true;
  stopPolling.abort();
  await Promise.all(consumers);
  return {
    seconds,
    roundTripsPerSecond: opts.roundTrips / seconds,
    cpuSeconds: (user + system) / 1e6,
    calls,
  };
}
