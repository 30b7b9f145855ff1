/**
 * The rate bare fauxqs and dynalite sustain for the pipeline's call mix, without the local cloud
 * around them (no worker-thread functions, no event source emulation, no metering): the ceiling
 * the local cloud's throughput is compared with. The replay calls the handlers' own stores and
 * sender, so its calls are the pipeline's by construction, not by copy.
 */
import { setMaxListeners } from 'node:events';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DEFAULT_REGION } from '../aws/defaults';
import { MessageType } from '../contract/contract';
import { dynamoStringsStore } from '../functions/generator/strings-store';
import { dynamoRequestsStore } from '../functions/requestor/requests-store';
import { chunk, mapLimit } from '../functions/shared/collections';
import { deriveRequestId } from '../functions/shared/ids';
import {
  ACK_SCHEMA_VERSION,
  type AckMessage,
  type RequestMessage,
  type ResponseMessage,
  SCHEMA_VERSION,
} from '../functions/shared/messages';
import { randomString } from '../functions/shared/random-string';
import { type OutgoingMessage, SQS_BATCH_LIMIT, sendAll } from '../functions/shared/sqs';
import { startDynamoDb } from '../local/dynamodb/emulator';
import { startSqs } from '../local/sqs/emulator';
import { startBenchEndpoint } from './bench-endpoint';
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
  /**
   * `endpoint`: the clients reach the emulators through the local cloud's endpoint, signed as a
   * role session whose calls IAM evaluates, as the functions' calls are; the difference to
   * `direct` is the endpoint's and IAM's own cost. @default direct
   */
  readonly via?: 'direct' | 'endpoint';
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

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** The mappings' long poll. */
const LONG_POLL_SECONDS = 20;

/** Calls made by `Service.Action`, counted as each client sends them. */
type CallCounts = Record<string, number>;

/**
 * Counts every command `client` sends (once per call, whatever the SDK retries underneath), so
 * the calls the stores and `sendAll` make are counted without touching them.
 */
function countCalls(client: SQSClient | DynamoDBClient, service: string, calls: CallCounts): void {
  (client as SQSClient).middlewareStack.add(
    (next, context) => (args) => {
      const key = `${service}.${context.commandName?.replace(/Command$/, '')}`;
      calls[key] = (calls[key] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
}

/**
 * Starts fauxqs and dynalite as the local cloud does (local/sqs/emulator.ts and local/dynamodb/emulator.ts, without the meter),
 * creates three queues and two tables like the stack's, and drives `roundTrips` round trips
 * through them: the requestor's `recordRequested` and `sendAll`; per request batch the generator's
 * `recordGenerated` and `sendAll`; per response batch the requestor's `storeValue` and `sendAll`;
 * per ack batch `markAcknowledged`; one DeleteMessageBatch per 10 handled messages, as the
 * mappings delete them, with the mappings' batch size and `maximumConcurrency` consumers per queue.
 */
export async function replayOnBareEmulators(opts: ReplayOptions): Promise<ReplayResult> {
  const sqsEmulator = await startSqs({ region: DEFAULT_REGION });
  const dynamoEmulator = await startDynamoDb();
  const endpoint =
    opts.via === 'endpoint' ? await startBenchEndpoint(sqsEmulator, dynamoEmulator) : undefined;
  const calls: CallCounts = {};
  const sqs = new SQSClient({
    region: DEFAULT_REGION,
    endpoint: endpoint?.url ?? sqsEmulator.endpoint,
    credentials: endpoint?.credentials ?? CREDENTIALS,
  });
  const ddb = new DynamoDBClient({
    region: DEFAULT_REGION,
    endpoint: endpoint?.url ?? dynamoEmulator.endpoint,
    credentials: endpoint?.credentials ?? CREDENTIALS,
  });
  try {
    const { queues, tables } = await createResources(sqs, ddb);
    countCalls(sqs, 'SQS', calls);
    countCalls(ddb, 'DynamoDB', calls);
    return await replay(sqs, ddb, queues, tables, calls, opts);
  } finally {
    sqs.destroy();
    ddb.destroy();
    await endpoint?.stop();
    await sqsEmulator.stop();
    await dynamoEmulator.stop();
  }
}

type QueueName = 'request' | 'response' | 'ack';

async function createResources(
  sqs: SQSClient,
  ddb: DynamoDBClient,
): Promise<{ queues: Record<QueueName, string>; tables: { requests: string; strings: string } }> {
  const queueUrl = async (name: string) => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60' } }),
    );
    if (!QueueUrl) throw new Error(`fauxqs returned no URL for ${name}`);
    return QueueUrl;
  };
  const tables = { requests: 'bench-requests', strings: 'bench-strings' };
  for (const TableName of Object.values(tables)) {
    await ddb.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'requestId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  return {
    queues: {
      request: await queueUrl('bench-request'),
      response: await queueUrl('bench-response'),
      ack: await queueUrl('bench-ack'),
    },
    tables,
  };
}

/** The SQS calls the replay makes, each consumer's long poll ended by `stopPolling`. */
function sqsCalls(sqs: SQSClient, stopPolling: AbortSignal) {
  return {
    async send(url: string, messages: OutgoingMessage[]) {
      const failed = await sendAll(sqs, url, messages);
      if (failed.length > 0) throw new Error(`sendAll failed: ${JSON.stringify(failed)}`);
    },
    async receive(url: string, max: number, waitSeconds: number): Promise<Message[]> {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: stopPolling },
      );
      return Messages;
    },
    async deleteBatch(url: string, messages: Message[]) {
      for (const part of chunk(messages, SQS_BATCH_LIMIT)) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: part.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    },
  };
}

type SqsCalls = ReturnType<typeof sqsCalls>;

/**
 * What each consumer does with a batch: the stores' calls per message, then one sendAll, as
 * functions/generator/domain.ts and functions/requestor/domain.ts do (without their parsing,
 * logging and metrics, which cost CPU but no calls).
 */
function batchHandlers(
  ddb: DynamoDBClient,
  tables: { requests: string; strings: string },
  queues: Record<QueueName, string>,
  sqs: SqsCalls,
): Record<QueueName, (batch: Message[]) => Promise<void>> {
  const requestsStore = dynamoRequestsStore(ddb, tables.requests);
  const stringsStore = dynamoStringsStore(ddb, tables.strings);
  const now = () => new Date().toISOString();
  const body = <T>(m: Message) => JSON.parse(m.Body ?? '{}') as T;
  const outgoing = (m: Message, message: ResponseMessage | AckMessage): OutgoingMessage => ({
    id: m.MessageId ?? '',
    body: JSON.stringify(message),
  });
  return {
    request: async (batch) => {
      const replies = await Promise.all(
        batch.map(async (m) => {
          const { requestId } = body<RequestMessage>(m);
          const generated = { requestId, value: randomString(), generatedAt: now() };
          const { stored } = await stringsStore.recordGenerated(generated);
          const { value, generatedAt } = stored;
          const type = MessageType.Response;
          return outgoing(m, { v: SCHEMA_VERSION, type, requestId, value, generatedAt });
        }),
      );
      await sqs.send(queues.response, replies);
    },
    response: async (batch) => {
      const at = now();
      const acks = await Promise.all(
        batch.map(async (m) => {
          const { requestId, value } = body<ResponseMessage>(m);
          const { storedAt } = await requestsStore.storeValue(requestId, value, at);
          const type = MessageType.Ack;
          return outgoing(m, { v: ACK_SCHEMA_VERSION, type, requestId, value, storedAt });
        }),
      );
      await sqs.send(queues.ack, acks);
    },
    ack: async (batch) => {
      const at = now();
      await Promise.all(
        batch.map((m) => {
          const ack = body<AckMessage>(m);
          return stringsStore.markAcknowledged(ack.requestId, at, ack.value);
        }),
      );
    },
  };
}

/** The consumers, as many per queue as a mapping's maximum concurrency, until `stop()`. */
function startConsumers(
  queues: Record<QueueName, string>,
  sqs: SqsCalls,
  handlers: Record<QueueName, (batch: Message[]) => Promise<void>>,
  opts: ReplayOptions,
) {
  const { batchSize, maximumConcurrency } = opts.mappings;
  let acknowledged = 0;
  let finished: () => void = () => {};
  const allAcknowledged = new Promise<void>((resolve) => {
    finished = resolve;
  });
  let done = false;
  const consumer = async (queue: QueueName) => {
    const url = queues[queue];
    while (!done) {
      // Gather a batch as the mapping does: a 20 s long poll, then up to 10 per receive until the
      // batch is full or the queue is dry.
      const batch: Message[] = [];
      try {
        while (batch.length < batchSize && !done) {
          const wait = batch.length === 0 ? LONG_POLL_SECONDS : 0;
          const max = Math.min(SQS_BATCH_LIMIT, batchSize - batch.length);
          const got = await sqs.receive(url, max, wait);
          batch.push(...got);
          if (got.length < SQS_BATCH_LIMIT) break;
        }
      } catch (error) {
        if (done) return;
        throw error;
      }
      if (batch.length === 0) continue;
      await handlers[queue](batch);
      await sqs.deleteBatch(url, batch);
      if (queue !== 'ack') continue;
      acknowledged += batch.length;
      if (acknowledged >= opts.roundTrips) finished();
    }
  };
  const running = (['request', 'response', 'ack'] as const).flatMap((queue) =>
    Array.from({ length: maximumConcurrency }, () => consumer(queue)),
  );
  return {
    allAcknowledged,
    /** Stops the consumers: `endPolls` ends their long polls once they know to stop. */
    async stop(endPolls: () => void) {
      done = true;
      endPolls();
      await Promise.all(running);
    },
  };
}

/** The requestor: records every request, then sends them, as its requestStrings does. */
async function askForStrings(
  ddb: DynamoDBClient,
  requestsTable: string,
  requestQueue: string,
  sqs: SqsCalls,
  roundTrips: number,
): Promise<void> {
  const requestedAt = new Date().toISOString();
  const requests = Array.from({ length: roundTrips }, (_, index) => ({
    requestId: deriveRequestId(requestedAt, index),
    requestedAt,
  }));
  await dynamoRequestsStore(ddb, requestsTable).recordRequested(requests);
  await sqs.send(
    requestQueue,
    requests.map(({ requestId }) => {
      const type = MessageType.Request;
      const message: RequestMessage = { v: SCHEMA_VERSION, type, requestId, requestedAt };
      return { id: requestId, body: JSON.stringify(message) };
    }),
  );
}

async function replay(
  sqs: SQSClient,
  ddb: DynamoDBClient,
  queues: Record<QueueName, string>,
  tables: { requests: string; strings: string },
  calls: CallCounts,
  opts: ReplayOptions,
): Promise<ReplayResult> {
  // Ends the consumers' long polls once the run is over.
  const stopPolling = new AbortController();
  // Every consumer's receive listens on it; that many listeners are expected, not a leak.
  setMaxListeners(0, stopPolling.signal);
  const calling = sqsCalls(sqs, stopPolling.signal);
  const handlers = batchHandlers(ddb, tables, queues, calling);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const consumers = startConsumers(queues, calling, handlers, opts);
  await askForStrings(ddb, tables.requests, queues.request, calling, opts.roundTrips);
  await consumers.allAcknowledged;
  // Receives the local cloud's pollers made beyond the pipeline's own, on the drained queues.
  const owed = (opts.targetCalls?.['SQS.ReceiveMessage'] ?? 0) - (calls['SQS.ReceiveMessage'] ?? 0);
  const urls = Object.values(queues);
  await mapLimit(
    Array.from({ length: Math.max(0, owed) }, (_, i) => urls[i % urls.length] ?? queues.request),
    3 * opts.mappings.maximumConcurrency,
    (url) => calling.receive(url, SQS_BATCH_LIMIT, 0),
  );
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  await consumers.stop(() => stopPolling.abort());
  return {
    seconds,
    roundTripsPerSecond: opts.roundTrips / seconds,
    cpuSeconds: (user + system) / 1e6,
    calls: { ...calls },
  };
}
