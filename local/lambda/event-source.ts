/**
 * Lambda's SQS event source mapping: pollers that gather batches, invoke the function and delete
 * what succeeded, and the SQS event record built from each message.
 */
import { createHash } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from '../../aws/defaults';
import { LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES } from '../../aws/limits';
import type { InvokeOutcome } from './runtime';

/** An SQS event source mapping as the template declares it. */
export interface EventSourceSpec {
  readonly logicalId: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly functionName: string;
  /** @default 10 */
  readonly batchSize: number;
  /** Seconds to gather a batch. @default 0 */
  readonly maximumBatchingWindowInSeconds: number;
  /** Whether the function reports partial batch failures. */
  readonly reportBatchItemFailures: boolean;
  /** Most batches at once (`ScalingConfig.MaximumConcurrency`); pollers start at 5 and scale up to it. */
  readonly maximumConcurrency: number;
  readonly enabled: boolean;
}

/** Lambda starts an SQS mapping with five concurrent pollers... */
const INITIAL_POLLERS = 5;
/** ...and adds up to 300 a minute while batches keep coming full. */
const SCALE_UP_INTERVAL_MS = 60_000 / 300;
/** ESM long polls use the maximum wait, as Lambda's pollers do. */
const LONG_POLL_SECONDS = 20;

/**
 * Emulates Lambda's SQS event source mapping as AWS documents it: pollers long-poll the queue,
 * gather up to `batchSize` messages or until the batching window closes, invoke the function with
 * a faithful SQS event, and delete only the messages that succeeded. A thrown error, a timeout or
 * an invalid partial-batch response fails the whole batch; failed messages are left to reappear
 * after the visibility timeout, and SQS moves them to the DLQ after `maxReceiveCount` receives.
 * At most `maximumConcurrency` batches are in flight at once.
 */
export class SqsEventSource {
  private readonly pollers = new Set<Promise<void>>();
  private lastScaleUp = 0;
  private paused = false;
  private started = false;
  private stopped = false;
  private busy = 0;
  /** ReceiveMessage calls on the wire; a paused mapping must have none, or one could take messages. */
  private receiving = 0;
  private resumeWaiters: (() => void)[] = [];

  constructor(
    public spec: EventSourceSpec,
    private readonly deps: {
      sqs: SQSClient;
      region: string;
      invoke: (event: SQSEvent) => Promise<InvokeOutcome>;
      /** Divides the batching window, to run time-based behaviour faster locally. */
      timeScale: number;
      /** Ends pending long polls on this mapping's queue. */
      wakePollers: () => void;
      log: (fields: Record<string, unknown>) => void;
    },
  ) {}

  /** Batches being gathered or processed right now. */
  get inFlight(): number {
    return this.busy;
  }

  start(): void {
    this.started = true;
    // A mapping disabled in the template starts paused, with no pollers until it is enabled.
    if (!this.spec.enabled) this.paused = true;
    else this.startPollers();
  }

  private startPollers(): void {
    const initial = Math.min(INITIAL_POLLERS, this.spec.maximumConcurrency);
    for (let i = 0; i < initial; i++) this.addPoller();
  }

  /** Pollers running now: five to start, more while the queue keeps them busy. */
  get pollerCount(): number {
    return this.pollers.size;
  }

  private addPoller(): void {
    const poller: Promise<void> = this.poll().finally(() => this.pollers.delete(poller));
    this.pollers.add(poller);
  }

  /** Stops polling once the batches in progress are done; resolves when they are. */
  async pause(): Promise<void> {
    this.paused = true;
    await this.park();
  }

  /**
   * Waits until no batch is in progress and no receive is on the wire. A receive already sent may
   * reach the queue after a wake-up and start a fresh 20 s long poll, so keep waking until then.
   */
  private async park(): Promise<void> {
    while (this.busy > 0 || this.receiving > 0) {
      this.deps.wakePollers();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Applies new settings (batch size, window, concurrency, enabled), as UpdateEventSourceMapping
   * does: the batches in progress finish under the old ones, the next are gathered under these.
   * A mapping on another queue or function is a new mapping, not an update.
   */
  async update(spec: EventSourceSpec): Promise<void> {
    // Paused by someone (pauseConsumer, the Lambda API), not by a template that disabled it.
    const heldElsewhere = this.paused && this.spec.enabled;
    await this.pause();
    this.spec = spec;
    if (!spec.enabled || heldElsewhere) return;
    if (this.pollers.size === 0) {
      this.paused = false;
      this.start();
    } else this.resume();
  }

  /** Resumes polling; a mapping that started disabled gets its first pollers now. */
  resume(): void {
    this.paused = false;
    for (const wake of this.resumeWaiters.splice(0)) wake();
    if (this.started && !this.stopped && this.pollers.size === 0) this.startPollers();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.resume();
    await this.park();
    while (this.pollers.size > 0) await Promise.all([...this.pollers]);
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      if (this.paused) {
        await new Promise<void>((resolve) => this.resumeWaiters.push(resolve));
        continue;
      }
      try {
        const received = await this.pollOnce();
        // Scale like Lambda: up (to the maximum, at most 300 a minute) while batches come full,
        // back down to the initial pollers when a long poll finds nothing.
        if (received >= this.spec.batchSize) this.scaleUp();
        else if (received === 0 && !this.paused && this.pollers.size > INITIAL_POLLERS) return;
      } catch (error) {
        if (this.stopped) return;
        this.deps.log({
          level: 'ERROR',
          message: 'Event source poller failed; retrying',
          eventSource: this.spec.logicalId,
          error: error instanceof Error ? error.message : String(error),
        });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  private scaleUp(): void {
    const now = Date.now();
    if (this.pollers.size >= this.spec.maximumConcurrency) return;
    if (now - this.lastScaleUp < SCALE_UP_INTERVAL_MS / this.deps.timeScale) return;
    this.lastScaleUp = now;
    this.addPoller();
  }

  /** Gathers and processes one batch; returns how many messages it held. */
  private async pollOnce(): Promise<number> {
    // A batch counts as in flight from its first received message, so pause() waits for it.
    let holding = false;
    const hold = () => {
      if (holding) return;
      holding = true;
      this.busy += 1;
    };
    try {
      const messages = await this.gather(hold);
      if (messages.length === 0) return 0;
      const outcome = await this.deps.invoke(this.event(messages));
      const failed = this.failedIds(messages, outcome);
      const succeeded = messages.filter((m) => !failed.has(m.MessageId ?? ''));
      await this.delete(succeeded);
      return messages.length;
    } finally {
      if (holding) this.busy -= 1;
    }
  }

  /** Receives until the batch is full, the window closes or the payload limit is near. */
  private async gather(hold: () => void): Promise<Message[]> {
    const { batchSize, maximumBatchingWindowInSeconds } = this.spec;
    const windowMs = (maximumBatchingWindowInSeconds * 1000) / this.deps.timeScale;
    const batch: Message[] = [];
    let bytes = 0;
    let deadline: number | undefined;
    while (batch.length < batchSize && !this.stopped && !(this.paused && batch.length === 0)) {
      const remainingMs = deadline === undefined ? undefined : deadline - Date.now();
      if (remainingMs !== undefined && remainingMs <= 0) break;
      // Whole seconds only: a window shorter than a second is waited out, then checked once more.
      const waitSeconds =
        remainingMs === undefined ? LONG_POLL_SECONDS : Math.floor(remainingMs / 1000);
      if (remainingMs !== undefined && waitSeconds === 0) {
        await new Promise((resolve) => setTimeout(resolve, remainingMs));
      }
      this.receiving += 1;
      const received = await this.deps.sqs
        .send(
          new ReceiveMessageCommand({
            QueueUrl: this.spec.queueUrl,
            MaxNumberOfMessages: Math.min(10, batchSize - batch.length),
            WaitTimeSeconds: waitSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        )
        .finally(() => {
          this.receiving -= 1;
        });
      for (const message of received.Messages ?? []) {
        hold();
        batch.push(message);
        bytes += Buffer.byteLength(message.Body ?? '');
      }
      if (batch.length === 0) {
        if (this.paused) break;
        continue;
      }
      if (windowMs === 0 || bytes >= LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES - 256 * 1024) break;
      if (remainingMs !== undefined && waitSeconds === 0) break;
      deadline ??= Date.now() + windowMs;
    }
    return batch;
  }

  private event(messages: Message[]): SQSEvent {
    return {
      Records: messages.map((m) => sqsEventRecord(m, this.spec.queueArn, this.deps.region)),
    };
  }

  /**
   * The message ids to keep, per AWS's rules: everything on a function error; with
   * ReportBatchItemFailures, the listed ids, or everything if the response is invalid (not an
   * object, a non-list `batchItemFailures`, or an id that is empty or not in the batch).
   */
  private failedIds(messages: Message[], outcome: InvokeOutcome): Set<string> {
    const all = new Set(messages.map((m) => m.MessageId ?? ''));
    if (outcome.error) {
      this.deps.log({
        level: 'WARN',
        message: 'Function failed; the whole batch will be retried after the visibility timeout',
        eventSource: this.spec.logicalId,
        function: this.spec.functionName,
        errorType: outcome.error.errorType,
        errorMessage: outcome.error.errorMessage,
        batchSize: messages.length,
      });
      return all;
    }
    if (!this.spec.reportBatchItemFailures) return new Set();
    const result = outcome.result;
    if (result === null || result === undefined) return new Set();
    const invalid = (reason: string) => {
      this.deps.log({
        level: 'WARN',
        message: `Invalid partial batch response (${reason}); the whole batch will be retried`,
        eventSource: this.spec.logicalId,
        function: this.spec.functionName,
        response: JSON.stringify(result).slice(0, 500),
      });
      return all;
    };
    if (typeof result !== 'object' || Array.isArray(result)) return invalid('not an object');
    const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === undefined || failures === null) return new Set();
    if (!Array.isArray(failures)) return invalid('batchItemFailures is not a list');
    const failed = new Set<string>();
    for (const failure of failures) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== 'string' || id === '') return invalid('empty or missing itemIdentifier');
      if (!all.has(id)) return invalid(`itemIdentifier ${id} is not in the batch`);
      failed.add(id);
    }
    return failed;
  }

  private async delete(messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      const result = await this.deps.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.spec.queueUrl,
          Entries: chunk.map((m, index) => ({
            Id: String(index),
            ReceiptHandle: m.ReceiptHandle ?? '',
          })),
        }),
      );
      for (const failure of result.Failed ?? []) {
        // The message will be delivered again: harmless for idempotent consumers, but worth seeing.
        this.deps.log({
          level: 'WARN',
          message: 'Could not delete a processed message',
          eventSource: this.spec.logicalId,
          code: failure.Code,
          reason: failure.Message,
        });
      }
    }
  }
}

/**
 * The SQS event record Lambda's poller builds from a received message: what the local event source
 * mapping delivers and `npm run event` prints.
 */
export function sqsEventRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const messageAttributes = Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
      name,
      lambdaAttribute(value),
    ]),
  );
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? LOCAL_ACCOUNT_ID,
      ApproximateFirstReceiveTimestamp:
        attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.AWSTraceHeader ? { AWSTraceHeader: attributes.AWSTraceHeader } : {}),
    },
    messageAttributes,
    md5OfBody:
      message.MD5OfBody ??
      createHash('md5')
        .update(message.Body ?? '')
        .digest('hex'),
    ...(message.MD5OfMessageAttributes
      ? { md5OfMessageAttributes: message.MD5OfMessageAttributes }
      : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  } as SQSRecord;
}
/** SQS API message attribute -> the shape
 Lambda puts in an SQS event record. */
function lambdaAttribute(value: MessageAttributeValue) {
  return {
    dataType: value.DataType ?? 'String',
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined
      ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
      : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
  };
}
