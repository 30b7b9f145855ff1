import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { beforeAll } from 'vitest';
import { type LocalCloud, type LocalQueue, startLocalCloud } from '../../local/cloud';
import { assemblySlot, hashInputs } from '../../local/stack/assembly-cache';
import { queueDepth } from '../../ops/reconcile';
import type { ProbeProps } from './fixtures/probe-app';
import { probeStackName } from './fixtures/probe-stack-name';

// The probe the event source mapping parity files (test/local/parity-*.test.ts) drive: a function
// that records its invocations in a table, each group of tests on its own stack and local cloud.
// The groups are split across files so that vitest runs them side by side: they spend most of
// their time waiting for visibility timeouts and batching windows, not on the CPU.

/** One invocation of the probe, as it recorded itself. */
export interface Invocation {
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
export interface Probe {
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
export const RETRIES = { maxReceiveCount: 2, visibilityTimeoutSeconds: 2, timeoutSeconds: 1 };
export const BATCHING = {
  batchSize: 5,
  maxBatchingWindowSeconds: 2,
  timeoutSeconds: 5,
  visibilityTimeoutSeconds: 30,
};
export const concurrency = (maxConcurrency: number): ProbeProps => ({
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
export const COLD_START = { timeoutSeconds: 2, initDelayMs: 3000, visibilityTimeoutSeconds: 30 };

/** What a probe assembly is made from, besides the probes' props. */
const PROBE_INPUTS = [
  'test/local/fixtures/probe-app.ts',
  'test/local/fixtures/probe-handler.ts',
  'test/local/fixtures/probe-stack-name.ts',
  'lib/constructs/pipeline-function.ts',
  'lib/constructs/lambda-bundling.ts',
  'package-lock.json',
];
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Beside the pipeline's cached assemblies; a directory per set of probes. */
const PROBES_OUT = join(ROOT, '.local-cloud', 'probes.out');

/**
 * Synthesizes `probes` (name to props) together in one app before the file's tests, or finds the
 * assembly already made from the same props and sources in the cache (`.local-cloud/probes.out`);
 * the returned function gives its directory. On a cache hit aws-cdk-lib is never loaded.
 */
export function useProbes(probes: Record<string, ProbeProps>): () => string {
  let assemblyDir: string | undefined;
  beforeAll(async () => {
    // A directory per set of probe names, so each file keeps its own newest assemblies.
    const set = hashInputs(ROOT, [], Object.keys(probes)).slice(0, 8);
    const slot = assemblySlot(join(PROBES_OUT, set), hashInputs(ROOT, PROBE_INPUTS, probes));
    if (slot.done) {
      assemblyDir = slot.assemblyDir;
      return;
    }
    const { synthesizeProbes } = await import('./fixtures/probe-app');
    try {
      synthesizeProbes(slot.staging, probes);
    } catch (error) {
      slot.abandon();
      throw error;
    }
    assemblyDir = slot.commit();
  });
  return () => {
    if (!assemblyDir) throw new Error('the probes are synthesized in beforeAll');
    return assemblyDir;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the probe called `name` (of the assembly in `assemblyDir`) on its own local cloud. With `warm`, invokes it with no records
 * first, so that no test's first batch pays the cold start: on a busy 2-core machine (a test run
 * runs several files at once) a cold start plus the SDK's first connection can outlast a 1 s
 * function timeout, which would fail a batch that the test expects to succeed.
 */
export async function startProbe(
  assemblyDir: string,
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
      // A consistent scan of every invocation so far: 25 ms at first, then up to every 200 ms.
      for (let pause = 25; ; pause = Math.min(pause * 2, 200)) {
        const current = await invocations();
        if (condition(current)) return current;
        if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
        await sleep(pause);
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
export const holding = (invocations: Invocation[], messageId: string) =>
  invocations.filter((i) => i.messageIds.includes(messageId));

/** `messageId`'s ApproximateReceiveCount in each invocation that held it. */
export const receiveCounts = (invocations: Invocation[], messageId: string) =>
  holding(invocations, messageId).map((i) => i.receiveCounts[i.messageIds.indexOf(messageId)]);

/**
 * What the DLQ holds after a good message `ok`, received twice, shared its first batch with
 * `bad`, and that batch failed whole: `bad`, and `ok` only if its second batch failed too, by
 * holding `bad` again or by timing out. SQS does not return a batch's messages to the queue as
 * one (each has its own visibility deadline, a millisecond apart at times), so a poller may
 * receive `ok` alone the second time, and then it usually succeeds.
 */
export function deadLettered(invocations: Invocation[], ok: string, bad: string): string[] {
  const second = holding(invocations, ok)[1];
  const failed = second && (second.messageIds.includes(bad) || second.endedAt === undefined);
  return (failed ? [ok, bad] : [bad]).sort();
}

/** When SQS first handed `messageId` to the mapping (ApproximateFirstReceiveTimestamp). */
export function firstReceivedAt(invocation: Invocation | undefined, messageId: string): number {
  const record = invocation?.records.find((r) => r.messageId === messageId);
  return Number(record?.attributes.ApproximateFirstReceiveTimestamp);
}

/** Timer granularity: fauxqs checks expired visibility every 20 ms. */
export const SLACK_MS = 25;

/**
 * Sends five batches' worth of one-second messages per allowed batch to a probe of
 * {@link concurrency}, waits until all are handled, and returns how many batches ever ran at once
 * and how many environments the function started. The handler's own start and end lie inside each
 * invocation, so the overlap they show is never more than the real one.
 */
export async function peakConcurrency(
  probe: Probe,
  maxConcurrency: number,
): Promise<{ peak: number; coldStarts: number | undefined }> {
  const count = maxConcurrency * 5;
  for (let n = 0; n < count; n += 10) {
    await probe.send(Array.from({ length: Math.min(10, count - n) }, () => ({ sleepMs: 1_000 })));
  }
  const invocations = await probe.until(
    `all ${count} messages were handled`,
    (all) => all.filter((i) => i.endedAt !== undefined).length === count,
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
  const name = probe.cloud.outputs.FunctionName ?? '';
  return { peak, coldStarts: probe.cloud.metrics().lambda[name]?.coldStarts };
}
