import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../../local/cloud';
import { queueDepth, type Reconciliation, reconcile } from '../../ops/reconcile';
import { leanAssembly } from './assembly';

/** A local cloud running the pipeline, with clients and its captured logs. */
export interface Harness {
  readonly cloud: LocalCloud;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** Every function log line and local-cloud diagnostic so far. */
  readonly logs: string[];
  /** Sum of an EMF metric (`Generated`, `Duplicate`, ...) over all log lines so far. */
  metric(name: string): number;
  /** Resolves with the first log line (past or future) that `match` accepts. */
  nextLog(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /**
   * Resolves once `condition` holds, checked at once and then after 50 ms, 100 ms and so on,
   * doubling up to every 400 ms: most conditions hold within a few checks, and a long wait (a
   * visibility timeout, a request becoming stranded) costs a few API calls a second, not twenty.
   */
  until(
    what: string,
    condition: () => Promise<boolean> | boolean,
    timeoutMs?: number,
  ): Promise<void>;
  /** Invokes the requestor with `{ count }` and returns the request ids. */
  requestStrings(count: number): Promise<string[]>;
  reconcile(expected?: readonly string[]): Promise<Reconciliation>;
  /** Visible + in-flight messages of a queue, by stack output key (`RequestQueueUrl`, ...). */
  depth(outputKey: string): Promise<{ visible: number; inFlight: number }>;
  /** Takes every message off a queue (waiting until `expected` arrived) and returns them. */
  drain(outputKey: string, expected: number): Promise<Message[]>;
  /** Sends bodies (with their message attributes) to a queue, 10 per call. */
  send(
    outputKey: string,
    messages: { body: string; attributes?: Message['MessageAttributes'] }[],
  ): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the pipeline (synthesized once per run by global-setup.ts, at a maximum concurrency of 2:
 * see `leanAssembly`) on a local cloud; `options.assemblyDir` picks another assembly.
 */
export async function startHarness(options: LocalCloudOptions = {}): Promise<Harness> {
  const logs: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const cloud = await startLocalCloud({
    assemblyDir: leanAssembly(),
    ...options,
    log: (line) => {
      logs.push(line);
      for (const listener of listeners) listener(line);
      options.log?.(line);
    },
  });
  const sqs = new SQSClient(cloud.clientConfig('sqs'));
  const dynamodb = new DynamoDBClient(cloud.clientConfig('dynamodb'));
  const url = (key: string) => {
    const value = cloud.outputs[key];
    if (!value) throw new Error(`no stack output ${key}`);
    return value;
  };

  const harness: Harness = {
    cloud,
    sqs,
    dynamodb,
    logs,
    metric(name) {
      let sum = 0;
      for (const line of logs) {
        if (!line.includes('"_aws"')) continue;
        const value = (JSON.parse(line) as Record<string, unknown>)[name];
        if (typeof value === 'number') sum += value;
      }
      return sum;
    },
    nextLog(match, timeoutMs = 30_000) {
      const past = logs.find(match);
      if (past) return Promise.resolve(past);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`no matching log line within ${timeoutMs} ms`));
        }, timeoutMs);
        const listener = (line: string) => {
          if (!match(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
      });
    },
    async until(what, condition, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (let pause = 50; !(await condition()); pause = Math.min(pause * 2, 400)) {
        if (Date.now() > deadline)
          throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    },
    async requestStrings(count) {
      const { result, error } = await cloud.invoke(url('RequestorFunctionName'), { count });
      if (error) throw new Error(`requestor failed: ${error.errorType}: ${error.errorMessage}`);
      return (result as { requestIds: string[] }).requestIds;
    },
    reconcile: (expected) => reconcile({ sqs, dynamodb, outputs: cloud.outputs, expected }),
    async depth(key) {
      const { visible, inFlight } = await queueDepth(sqs, url(key));
      return { visible, inFlight };
    },
    async drain(key, expected) {
      const messages: Message[] = [];
      const deadline = Date.now() + 30_000;
      while (messages.length < expected) {
        if (Date.now() > deadline)
          throw new Error(`only ${messages.length}/${expected} messages arrived on ${key}`);
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url(key),
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) continue;
        messages.push(...Messages);
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url(key),
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      return messages;
    },
    async send(key, messages) {
      for (let i = 0; i < messages.length; i += 10) {
        const { Failed = [] } = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: url(key),
            Entries: messages.slice(i, i + 10).map((m, j) => ({
              Id: String(j),
              MessageBody: m.body,
              MessageAttributes: m.attributes,
            })),
          }),
        );
        if (Failed.length > 0)
          throw new Error(`could not send to ${key}: ${JSON.stringify(Failed)}`);
      }
    },
    async stop() {
      listeners.clear();
      sqs.destroy();
      dynamodb.destroy();
      await cloud.stop();
    },
  };
  return harness;
}
