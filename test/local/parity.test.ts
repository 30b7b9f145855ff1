import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, type LocalQueue, startLocalCloud } from '../../local/cloud';
import { queueDepth } from '../../ops/reconcile';
import { type ProbeProps, probeStackName, synthesizeProbes } from './fixtures/probe-app';

// Each SQS event source mapping behaviour AWS documents (the Lambda developer guide, "Using Lambda with Amazon SQS"), checked
// over the wire against the local cloud running a probe function that records its invocations.
// Each group has its own probe stack and local cloud; all the stacks come from one synth.

/** One invocation of the probe, as it recorded itself. */
interface Invocation {
  readonly startedAt: number;
  /** Missing when the invocation never finished (it timed out). */
  readonly endedAt?: number;
  readonly batchSize: number;
  readonly messageIds: string[];
  /** ApproximateReceiveCount of each record, in the order of `messageIds`. */
  readonly receiveCounts: number[];
  readonly records: SQSRecord[];
}

/** The probe running on its own local cloud, with helpers to drive and observe it. */
interface Probe {
  readonly cloud: LocalCloud;
  /** The source queue as the local cloud created it (visibility timeout after `timeScale`). */
  readonly queue: LocalQueue;
  /** Sends the bodies (as JSON) in one SendMessageBatch; returns their message ids in order. */
  send(bodies: object[], attributes?: Record<string, MessageAttributeValue>): Promise<string[]>;
  /** Every recorded invocation, oldest first. */
  invocations(): Promise<Invocation[]>;
  /** Resolves with the invocations once `condition` holds on them. */
  until(what: string, condition: (invocations: Invocation[]) => boolean): Promise<Invocation[]>;
  /** Waits until the poller holds `count` messages of the source queue in flight. */
  untilInFlight(count: number): Promise<void>;
  /** Takes every message off the DLQ and returns their ids. */
  drainDlq(): Promise<string[]>;
  depth(): Promise<{ visible: number; inFlight: number }>;
  stop(): Promise<void>;
}

/** Function timeout 1 s; the queue's 2 s visibility timeout runs at 1 s under timeScale 2. */
const RETRIES = { maxReceiveCount: 2, visibilityTimeoutSeconds: 2, timeoutSeconds: 1 };
const BATCHING = {
  batchSize: 5,
  maxBatchingWindowSeconds: 2,
  timeoutSeconds: 5,
  visibilityTimeoutSeconds: 30,
};
const concurrency = (maxConcurrency: number): ProbeProps => ({
  batchSize: 1,
  maxConcurrency,
  timeoutSeconds: 5,
  visibilityTimeoutSeconds: 30,
});
/**
 * The module takes longer to load than the function may run. The function has room for its first
 * SDK calls on a busy machine, and the visibility timeout outlasts init and run together, or the
 * message would be delivered again while the first invocation is still loading.
 */
const COLD_START = { timeoutSeconds: 2, initDelayMs: 3000, visibilityTimeoutSeconds: 30 };

/** Every probe the groups below start, synthesized together in one app. */
const PROBES: Record<string, ProbeProps> = {
  'partial-batches': RETRIES,
  'whole-batch-failures': RETRIES,
  batching: BATCHING,
  'concurrency-3': concurrency(3),
  'concurrency-7': concurrency(7),
  'cold-start': COLD_START,
};

const root = mkdtempSync(join(tmpdir(), 'string-pipeline-parity-'));
let assemblyDir: string;
beforeAll(() => {
  assemblyDir = synthesizeProbes(join(root, 'probes.out'), PROBES);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the probe called `name` on its own local cloud. With `warm`, invokes it with no records
 * first, so that no test's first batch pays the cold start: on a busy 2-core machine (a test run
 * runs several files at once) a cold start plus the SDK's first connection can outlast a 1 s
 * function timeout, which would fail a batch that the test expects to succeed.
 */
async function startProbe(
  name: string,
  { warm = false, timeScale }: { warm?: boolean; timeScale?: number } = {},
): Promise<Probe> {
  const cloud = await startLocalCloud({ assemblyDir, stackName: probeStackName(name), timeScale });
  const sqs = new SQSClient(cloud.clientConfig('sqs'));
  const dynamodb = new DynamoDBClient(cloud.clientConfig('dynamodb'));
  const stop = async () => {
    sqs.destroy();
    dynamodb.destroy();
    await cloud.stop();
  };
  const { QueueUrl, DlqUrl, TableName } = cloud.outputs;
  const queue = Object.values(cloud.queues).find((q) => q.url === QueueUrl);
  if (!queue || !DlqUrl || !TableName) {
    await stop();
    throw new Error(
      `the probe stack lacks its queue, DLQ or table: ${JSON.stringify(cloud.outputs)}`,
    );
  }
  // A timed-out environment is discarded, so try again (a few times) until one is warm.
  for (let attempt = 1; warm; attempt++) {
    const { error } = await cloud.invoke(cloud.outputs.FunctionName ?? '', { Records: [] });
    if (!error) break;
    if (attempt === 3) throw new Error(`the probe failed to warm up: ${error.errorMessage}`);
  }

  const invocations = async (): Promise<Invocation[]> => {
    const { Items = [] } = await dynamodb.send(
      new ScanCommand({ TableName, ConsistentRead: true }),
    );
    return Items.map((item) => ({
      startedAt: Number(item.startedAt?.N),
      ...(item.endedAt?.N ? { endedAt: Number(item.endedAt.N) } : {}),
      batchSize: Number(item.batchSize?.N),
      messageIds: (item.messageIds?.L ?? []).map((v) => v.S ?? ''),
      receiveCounts: (item.receiveCounts?.L ?? []).map((v) => Number(v.N)),
      records: JSON.parse(item.records?.S ?? '[]') as SQSRecord[],
    })).sort((a, b) => a.startedAt - b.startedAt);
  };
  const deadline = () => Date.now() + 30_000;

  return {
    cloud,
    queue,
    async send(bodies, attributes) {
      const { Successful = [], Failed = [] } = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: bodies.map((body, i) => ({
            Id: String(i),
            MessageBody: JSON.stringify(body),
            MessageAttributes: attributes,
          })),
        }),
      );
      if (Failed.length > 0) throw new Error(`could not send: ${JSON.stringify(Failed)}`);
      return bodies.map((_, i) => Successful.find((s) => s.Id === String(i))?.MessageId ?? '');
    },
    invocations,
    async until(what, condition) {
      const end = deadline();
      for (;;) {
        const current = await invocations();
        if (condition(current)) return current;
        if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
        await sleep(25);
      }
    },
    async untilInFlight(count) {
      const end = deadline();
      while ((await queueDepth(sqs, queue.url)).inFlight !== count) {
        if (Date.now() > end) throw new Error(`the queue never had ${count} messages in flight`);
        await sleep(10);
      }
    },
    async drainDlq() {
      const ids: string[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: DlqUrl, MaxNumberOfMessages: 10 }),
        );
        if (Messages.length === 0) return ids.sort();
        ids.push(...Messages.map((m) => m.MessageId ?? ''));
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: DlqUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    },
    async depth() {
      const { visible, inFlight } = await queueDepth(sqs, queue.url);
      return { visible, inFlight };
    },
    stop,
  };
}

/** The invocations that held `messageId`, oldest first. */
const holding = (invocations: Invocation[], messageId: string) =>
  invocations.filter((i) => i.messageIds.includes(messageId));

/** `messageId`'s ApproximateReceiveCount in each invocation that held it. */
const receiveCounts = (invocations: Invocation[], messageId: string) =>
  holding(invocations, messageId).map((i) => i.receiveCounts[i.messageIds.indexOf(messageId)]);

/** When SQS first handed `messageId` to the mapping (ApproximateFirstReceiveTimestamp). */
function firstReceivedAt(invocation: Invocation | undefined, messageId: string): number {
  const record = invocation?.records.find((r) => r.messageId === messageId);
  return Number(record?.attributes.ApproximateFirstReceiveTimestamp);
}

/** Timer granularity: fauxqs checks expired visibility every 20 ms. */
const SLACK_MS = 25;

describe('event source mapping parity: partial batch responses, redelivery and the DLQ', () => {
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe('partial-batches', { warm: true, timeScale: 2 });
  });
  afterAll(() => probe?.stop());

  it('deletes the successes of a partial batch response and redelivers only the failures', async () => {
    const [ok1 = '', failing = '', ok2 = ''] = await probe.send([
      { n: 1 },
      { fail: true },
      { n: 2 },
    ]);
    await probe.cloud.waitForIdle();

    const all = await probe.invocations();
    const [first, retry] = holding(all, failing);
    expect(first?.messageIds.sort()).toEqual([ok1, failing, ok2].sort());
    expect(holding(all, ok1)).toHaveLength(1);
    expect(holding(all, ok2)).toHaveLength(1);
    expect(retry?.messageIds).toEqual([failing]);
    expect(retry?.startedAt).toBeGreaterThanOrEqual(
      firstReceivedAt(first, failing) + probe.queue.visibilityTimeoutSeconds * 1000 - SLACK_MS,
    );
    expect(await probe.drainDlq()).toEqual([failing]);
  });

  it('redelivers a failed message once its visibility timeout expires, with a growing receive count', async () => {
    const [failing = ''] = await probe.send([{ fail: true }]);
    await probe.cloud.waitForIdle();

    const all = await probe.invocations();
    expect(receiveCounts(all, failing)).toEqual([1, 2]);
    const [first, second] = holding(all, failing);
    expect(second?.startedAt).toBeGreaterThanOrEqual(
      firstReceivedAt(first, failing) + probe.queue.visibilityTimeoutSeconds * 1000 - SLACK_MS,
    );
    // ApproximateFirstReceiveTimestamp keeps the first receive across redeliveries.
    expect(firstReceivedAt(second, failing)).toBe(firstReceivedAt(first, failing));
    await probe.drainDlq();
  });

  it('moves a message to the DLQ after maxReceiveCount receives and delivers it no more', async () => {
    const [failing = ''] = await probe.send([{ fail: true }]);
    await probe.cloud.waitForIdle();

    expect(holding(await probe.invocations(), failing)).toHaveLength(RETRIES.maxReceiveCount);
    expect(await probe.drainDlq()).toEqual([failing]);
    expect(await probe.depth()).toEqual({ visible: 0, inFlight: 0 });
  });

  it('builds each SQS event record as Lambda does', async () => {
    const body = JSON.stringify({ n: 7, text: 'héllo' });
    const [id = ''] = await probe.send([{ n: 7, text: 'héllo' }], {
      Colour: { DataType: 'String', StringValue: 'blue' },
      Size: { DataType: 'Number', StringValue: '3' },
      Blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 3]) },
    });
    await probe.cloud.waitForIdle();

    const [invocation] = holding(await probe.invocations(), id);
    expect(invocation?.records).toHaveLength(1);
    expect(invocation?.records[0]).toEqual({
      messageId: id,
      receiptHandle: expect.any(String),
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      },
      messageAttributes: {
        Colour: {
          dataType: 'String',
          stringValue: 'blue',
          stringListValues: [],
          binaryListValues: [],
        },
        Size: { dataType: 'Number', stringValue: '3', stringListValues: [], binaryListValues: [] },
        Blob: {
          dataType: 'Binary',
          binaryValue: Buffer.from([1, 2, 3]).toString('base64'),
          stringListValues: [],
          binaryListValues: [],
        },
      },
      md5OfBody: createHash('md5').update(body).digest('hex'),
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: probe.cloud.outputs.QueueArn,
      awsRegion: probe.cloud.region,
    });
    expect(probe.cloud.outputs.QueueArn).toBe(probe.queue.arn);
  });
});

describe('event source mapping parity: whole-batch failures', () => {
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe('whole-batch-failures', { warm: true, timeScale: 2 });
  });
  afterAll(() => probe?.stop());

  it('fails the whole batch when the function throws', async () => {
    const [ok = '', throwing = ''] = await probe.send([{ n: 3 }, { throw: true }]);
    await probe.cloud.waitForIdle();

    const all = await probe.invocations();
    // The good message shared the failing batch, so it comes back too, and is dead-lettered.
    expect(holding(all, ok)[0]?.messageIds).toContain(throwing);
    expect(receiveCounts(all, ok)).toEqual([1, 2]);
    expect(receiveCounts(all, throwing)).toEqual([1, 2]);
    expect(await probe.drainDlq()).toEqual([ok, throwing].sort());
  });

  it('fails the whole batch when a batch item failure has an empty itemIdentifier', async () => {
    const [ok = '', invalid = ''] = await probe.send([{ n: 4 }, { invalid: 'empty' }]);
    await probe.cloud.waitForIdle();

    const all = await probe.invocations();
    expect(receiveCounts(all, ok)).toEqual([1, 2]);
    expect(receiveCounts(all, invalid)).toEqual([1, 2]);
    expect(await probe.drainDlq()).toEqual([ok, invalid].sort());
  });

  it('fails the whole batch when a batch item failure names a message not in the batch', async () => {
    const [ok = '', invalid = ''] = await probe.send([{ n: 5 }, { invalid: 'unknown' }]);
    await probe.cloud.waitForIdle();

    const all = await probe.invocations();
    expect(receiveCounts(all, ok)).toEqual([1, 2]);
    expect(receiveCounts(all, invalid)).toEqual([1, 2]);
    expect(await probe.drainDlq()).toEqual([ok, invalid].sort());
  });

  it('fails the whole batch when the function times out', async () => {
    const [ok = '', slow = ''] = await probe.send([
      { n: 6 },
      { sleepMs: RETRIES.timeoutSeconds * 1000 + 1000 },
    ]);
    await probe.cloud.waitForIdle();

    const all = await probe.invocations();
    expect(receiveCounts(all, ok)).toEqual([1, 2]);
    expect(receiveCounts(all, slow)).toEqual([1, 2]);
    // Each was stopped at the timeout: it never got to record its end.
    for (const invocation of holding(all, slow)) expect(invocation.endedAt).toBeUndefined();
    expect(await probe.drainDlq()).toEqual([ok, slow].sort());
  });
});

describe('event source mapping parity: batching', () => {
  const windowMs = BATCHING.maxBatchingWindowSeconds * 1000;
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe('batching', { warm: true });
  });
  afterAll(() => probe?.stop());

  it('gathers messages sent within the batching window into one invocation', async () => {
    const [first = ''] = await probe.send([{ n: 1 }]);
    // The window opens once the mapping holds the first message; these two arrive inside it.
    await probe.untilInFlight(1);
    const later = await probe.send([{ n: 2 }, { n: 3 }]);
    await probe.cloud.waitForIdle();

    const batches = holding(await probe.invocations(), first);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.messageIds.sort()).toEqual([first, ...later].sort());
    // A batch short of the batch size waits for the window to close.
    expect(batches[0]?.startedAt).toBeGreaterThanOrEqual(
      firstReceivedAt(batches[0], first) + windowMs - SLACK_MS,
    );
  });

  it('invokes with at most the batch size, without waiting for the window once a batch is full', async () => {
    const sent = [
      ...(await probe.send(Array.from({ length: 10 }, (_, n) => ({ n })))),
      ...(await probe.send([{ n: 10 }, { n: 11 }])),
    ];
    await probe.cloud.waitForIdle();

    const batches = (await probe.invocations()).filter((i) =>
      i.messageIds.some((id) => sent.includes(id)),
    );
    expect(batches.flatMap((b) => b.messageIds).sort()).toEqual([...sent].sort());
    expect(Math.max(...batches.map((b) => b.batchSize))).toBe(BATCHING.batchSize);
    for (const full of batches.filter((b) => b.batchSize === BATCHING.batchSize)) {
      const received = Math.max(...full.messageIds.map((id) => firstReceivedAt(full, id)));
      expect(full.startedAt - received).toBeLessThan(windowMs);
    }
  });
});

for (const { maxConcurrency, when } of [
  { maxConcurrency: 3, when: 'below the five pollers a mapping starts with' },
  { maxConcurrency: 7, when: 'above them, reached by scaling up' },
]) {
  describe(`event source mapping parity: maximum concurrency ${maxConcurrency} (${when})`, () => {
    let probe: Probe;
    beforeAll(async () => {
      probe = await startProbe(`concurrency-${maxConcurrency}`);
    });
    afterAll(() => probe?.stop());

    it('runs as many batches at once as the maximum concurrency allows, and never more', async () => {
      const count = maxConcurrency * 5;
      for (let n = 0; n < count; n += 10) {
        await probe.send(Array.from({ length: Math.min(10, count - n) }, () => ({ sleepMs: 300 })));
      }
      const invocations = await probe.until(
        `all ${count} messages were handled`,
        (all) => all.filter((i) => i.endedAt !== undefined).length === count,
      );

      // The handler's own start and end lie inside each invocation, so the overlap they show is
      // never more than the real one.
      const edges = invocations.flatMap((i) => [
        { at: i.startedAt, delta: 1 },
        { at: i.endedAt ?? i.startedAt, delta: -1 },
      ]);
      edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
      let running = 0;
      let peak = 0;
      for (const edge of edges) {
        running += edge.delta;
        peak = Math.max(peak, running);
      }
      expect(peak).toBe(maxConcurrency);
      // An execution environment runs one invocation at a time, and a new one starts only when all
      // are busy: as many environments as batches ever ran at once.
      const name = probe.cloud.outputs.FunctionName ?? '';
      expect(probe.cloud.metrics().lambda[name]?.coldStarts).toBe(maxConcurrency);
    });
  });
}

describe('event source mapping parity: cold starts', () => {
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe('cold-start');
  });
  afterAll(() => probe?.stop());

  it('does not count a cold start against the function timeout', async () => {
    const [id = ''] = await probe.send([{ n: 1 }]);
    await probe.cloud.waitForIdle();

    const batches = holding(await probe.invocations(), id);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.endedAt).toBeDefined();
    expect(await probe.drainDlq()).toEqual([]);
  });
});
