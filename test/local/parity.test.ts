import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local/cloud';
import { queueDepth } from '../../local/reconcile';
import { PROBES, type ProbeName, synthesizeProbes } from './fixtures/probe-app';

/** One invocation of the probe, as it recorded itself. */
interface Invocation {
  readonly startedAt: number;
  /** Missing when the invocation never finished (it timed out). */
  readonly endedAt?: number;
  readonly records: SQSRecord[];
}

/** A probe stack running on its own local cloud, with helpers to drive and observe it. */
interface Probe {
  readonly cloud: LocalCloud;
  /** Sends bodies in one SendMessageBatch; returns their message ids in order. */
  send(bodies: object[], attributes?: Record<string, MessageAttributeValue>): Promise<string[]>;
  invocations(): Promise<Invocation[]>;
  /** Every delivery of a message (its records across invocations), oldest first. */
  deliveries(messageId: string): Promise<SQSRecord[]>;
  /** Resolves once `condition` holds on the recorded invocations. */
  until(what: string, condition: (invocations: Invocation[]) => boolean): Promise<Invocation[]>;
  /** Message ids now in the DLQ (received with a zero visibility timeout). */
  deadLetters(): Promise<string[]>;
  queueDepth(): Promise<{ visible: number; inFlight: number }>;
  stop(): Promise<void>;
}

const assemblyRoot = mkdtempSync(join(tmpdir(), 'string-pipeline-probe-'));
let assemblyDir: string;
beforeAll(() => {
  assemblyDir = synthesizeProbes(assemblyRoot);
});
afterAll(() => rmSync(assemblyRoot, { recursive: true, force: true }));

async function startProbe(stackName: ProbeName): Promise<Probe> {
  const cloud = await startLocalCloud({ assemblyDir, stackName });
  const sqs = new SQSClient(cloud.clientConfig('sqs'));
  const dynamodb = new DynamoDBClient(cloud.clientConfig('dynamodb'));
  const queue = Object.values(cloud.queues).find((q) => q.name === stackName);
  const dlq = Object.values(cloud.queues).find((q) => q.name === `${stackName}-dlq`);
  const table = Object.values(cloud.tables)[0];
  if (!queue || !dlq || !table)
    throw new Error(`probe ${stackName} is missing its queue, DLQ or table`);

  const invocations = async (): Promise<Invocation[]> => {
    const { Items = [] } = await dynamodb.send(
      new ScanCommand({ TableName: table.name, ConsistentRead: true }),
    );
    return Items.map((item) => ({
      startedAt: Number(item.startedAt?.N),
      ...(item.endedAt?.N ? { endedAt: Number(item.endedAt.N) } : {}),
      records: JSON.parse(item.records?.S ?? '[]') as SQSRecord[],
    })).sort((a, b) => a.startedAt - b.startedAt);
  };
  const deliveries = async (messageId: string) =>
    (await invocations()).flatMap((i) => i.records.filter((r) => r.messageId === messageId));

  return {
    cloud,
    async send(bodies, attributes) {
      const { Successful = [] } = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: bodies.map((body, i) => ({
            Id: String(i),
            MessageBody: JSON.stringify(body),
            MessageAttributes: attributes,
          })),
        }),
      );
      return bodies.map((_, i) => Successful.find((s) => s.Id === String(i))?.MessageId ?? '');
    },
    invocations,
    deliveries,
    async until(what, condition) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const current = await invocations();
        if (condition(current)) return current;
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async deadLetters() {
      const ids = new Set<string>();
      for (let attempt = 0; attempt < 3; attempt++) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dlq.url,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 0,
          }),
        );
        for (const m of Messages) ids.add(m.MessageId ?? '');
      }
      return [...ids].sort();
    },
    async queueDepth() {
      const { visible, inFlight } = await queueDepth(sqs, queue.url);
      return { visible, inFlight };
    },
    async stop() {
      sqs.destroy();
      dynamodb.destroy();
      await cloud.stop();
    },
  };
}

const receiveCounts = (records: SQSRecord[]) =>
  records.map((r) => Number(r.attributes.ApproximateReceiveCount));

describe('event source mapping parity: failures and retries', () => {
  const settings = PROBES.ProbeRetries;
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe('ProbeRetries');
  });
  afterAll(() => probe.stop());

  it('deletes the successes of a partial batch response and redelivers only the failures', async () => {
    const [ok1, failing, ok2] = await probe.send([{ n: 1 }, { fail: true }, { n: 2 }]);
    await probe.cloud.waitForIdle();

    expect(await probe.deliveries(ok1 ?? '')).toHaveLength(1);
    expect(await probe.deliveries(ok2 ?? '')).toHaveLength(1);
    expect(await probe.deliveries(failing ?? '')).toHaveLength(settings.maxReceiveCount);
  });

  it('redelivers a failed message after the visibility timeout, with a growing receive count', async () => {
    const [failing = ''] = await probe.send([{ fail: true, case: 'visibility' }]);
    await probe.cloud.waitForIdle();

    const deliveries = await probe.deliveries(failing);
    expect(receiveCounts(deliveries)).toEqual([1, 2]);
    const invocations = await probe.invocations();
    const second = invocations.find((i) =>
      i.records.some((r) => r.messageId === failing && receiveCounts([r])[0] === 2),
    );
    const firstReceivedAt = Number(deliveries[1]?.attributes.ApproximateFirstReceiveTimestamp);
    // The second delivery cannot start before the first receive plus the visibility timeout
    // (20 ms of slack for timer granularity).
    expect(second?.startedAt ?? 0).toBeGreaterThanOrEqual(
      firstReceivedAt + settings.visibilityTimeoutSeconds * 1000 - 20,
    );
    expect(firstReceivedAt).toBe(
      Number(deliveries[0]?.attributes.ApproximateFirstReceiveTimestamp),
    );
  });

  it('moves a message to the DLQ after maxReceiveCount receives and stops delivering it', async () => {
    const [failing = ''] = await probe.send([{ fail: true, case: 'redrive' }]);
    await probe.cloud.waitForIdle();

    expect(await probe.deliveries(failing)).toHaveLength(settings.maxReceiveCount);
    expect(await probe.deadLetters()).toContain(failing);
    expect(await probe.queueDepth()).toEqual({ visible: 0, inFlight: 0 });
  });

  it('retries the whole batch when the function throws', async () => {
    const [ok = '', throwing = ''] = await probe.send([{ n: 3 }, { throw: true }]);
    await probe.cloud.waitForIdle();

    // The good message shared the failing batch, so it is delivered again too, and dead-lettered.
    expect(receiveCounts(await probe.deliveries(ok))).toEqual([1, 2]);
    expect(receiveCounts(await probe.deliveries(throwing))).toEqual([1, 2]);
    expect(await probe.deadLetters()).toEqual(expect.arrayContaining([ok, throwing]));
  });

  it('retries the whole batch when the partial batch response is invalid', async () => {
    const [ok = '', invalid = ''] = await probe.send([{ n: 4 }, { invalid: true }]);
    await probe.cloud.waitForIdle();

    expect(receiveCounts(await probe.deliveries(ok))).toEqual([1, 2]);
    expect(receiveCounts(await probe.deliveries(invalid))).toEqual([1, 2]);
  });

  it('retries the whole batch when the function times out', async () => {
    const [slow = ''] = await probe.send([{ sleepMs: settings.timeoutSeconds * 1000 + 500 }]);
    await probe.cloud.waitForIdle();

    const invocations = (await probe.invocations()).filter((i) =>
      i.records.some((r) => r.messageId === slow),
    );
    expect(invocations).toHaveLength(settings.maxReceiveCount);
    // The function was stopped at its timeout: it never got to record its end.
    for (const invocation of invocations) expect(invocation.endedAt).toBeUndefined();
    expect(await probe.deadLetters()).toContain(slow);
  });

  it('builds SQS event records as Lambda does', async () => {
    const body = { n: 5, text: 'héllo' };
    const [id = ''] = await probe.send([body], {
      Colour: { DataType: 'String', StringValue: 'blue' },
      Size: { DataType: 'Number', StringValue: '3' },
    });
    await probe.cloud.waitForIdle();

    const [record] = await probe.deliveries(id);
    const queue = Object.values(probe.cloud.queues).find((q) => q.name === 'ProbeRetries');
    expect(record).toMatchObject({
      messageId: id,
      receiptHandle: expect.any(String),
      body: JSON.stringify(body),
      eventSource: 'aws:sqs',
      eventSourceARN: queue?.arn,
      awsRegion: probe.cloud.region,
      md5OfBody: createHash('md5').update(JSON.stringify(body)).digest('hex'),
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
      },
    });
  });
});

describe('event source mapping parity: batching', () => {
  const settings = PROBES.ProbeWindow;
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe('ProbeWindow');
  });
  afterAll(() => probe.stop());

  it('gathers messages that arrive within the batching window into one invocation', async () => {
    const [first = ''] = await probe.send([{ n: 1 }]);
    // Once the poller holds the first message, the window is open: the next two join it.
    const deadline = Date.now() + 10_000;
    while ((await probe.queueDepth()).inFlight !== 1) {
      if (Date.now() > deadline) throw new Error('the poller never took the first message');
    }
    const later = await probe.send([{ n: 2 }, { n: 3 }]);
    await probe.cloud.waitForIdle();

    const invocations = (await probe.invocations()).filter((i) =>
      i.records.some((r) => r.messageId === first),
    );
    expect(invocations).toHaveLength(1);
    expect(invocations[0]?.records.map((r) => r.messageId).sort()).toEqual(
      [first, ...later].sort(),
    );
  });

  it('never puts more than the batch size in one invocation', async () => {
    await probe.send(Array.from({ length: 10 }, (_, n) => ({ n })));
    await probe.send(Array.from({ length: 2 }, (_, n) => ({ n })));
    await probe.cloud.waitForIdle();

    const sizes = (await probe.invocations()).map((i) => i.records.length);
    expect(Math.max(...sizes)).toBe(settings.batchSize);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(3 + 12);
  });
});

describe('event source mapping parity: concurrency', () => {
  const settings = PROBES.ProbeConcurrency;
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe('ProbeConcurrency');
  });
  afterAll(() => probe.stop());

  it('runs up to, and never more than, the maximum concurrency at once', async () => {
    await probe.send(Array.from({ length: 10 }, (_, n) => ({ n, sleepMs: 300 })));
    await probe.send(Array.from({ length: 5 }, (_, n) => ({ n, sleepMs: 300 })));
    const invocations = await probe.until(
      'all 15 messages were handled',
      (all) => all.filter((i) => i.endedAt !== undefined).length === 15,
    );

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
    expect(peak).toBe(settings.maxConcurrency);
  });
});
