/**
 * The console's queues: every queue of the stack with its depth, settings and age of oldest
 * message; peeks that do not change what they show; send and purge.
 */
import {
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { Output, QUEUES, type QueueKey } from '../contract/contract';
import {
  AckMessage,
  parseBody,
  RequestMessage,
  ResponseMessage,
} from '../functions/shared/messages';
import { FAILED_INVOCATION_QUEUES } from '../ops/failed-invocations';
import { type DeadLetter, peek } from '../ops/inspect';
import { recordRequest } from '../ops/messages';
import { peekEndpoint } from '../ops/peek';
import { queueDepth } from '../ops/reconcile';
import { requireOutput } from '../ops/target';
import { type ConsoleContext, ConsoleRequestError } from './context';
import type { StackReader } from './stack';

/**
 * A queue of the stack, as the console names it: `request`, `request-dlq`, ..., and
 * `schedule-dlq` (or another name) for queues the stack has beyond the pipeline's six.
 */
export type QueueId = `${Lowercase<QueueKey>}` | `${Lowercase<QueueKey>}-dlq` | (string & {});

/** A queue's depth and settings. */
export interface QueueInfo {
  readonly id: QueueId;
  /** The template's logical id, when ListStackResources named it. */
  readonly logicalId?: string;
  readonly name: string;
  readonly url: string;
  readonly isDlq: boolean;
  /** A pipeline DLQ, whose messages a redrive sends back to its source queue. */
  readonly redrivable: boolean;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  /** Age of the oldest visible or in-flight message in seconds (0: empty); absent where unknown. */
  readonly oldestAgeSeconds?: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly retentionSeconds?: number;
  /** For a source queue: where its failures go and after how many receives. */
  readonly redrivePolicy?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

/** A peek's answer: the messages, and when they were received. */
export interface Peeked {
  readonly messages: DeadLetter[];
  /**
   * Whether this peek was a receive, which added one to each message's receive count (on AWS and
   * LocalStack); the local cloud is peeked without one.
   */
  readonly countsAsReceive: boolean;
  /** When these messages were received (a DLQ's peek is reused until its depth changes). */
  readonly peekedAt: string;
  /**
   * For a DLQ: the source queue's maxReceiveCount, which is how many receives a message SQS moved
   * here had failed (the handler's rejects carry a FailureCode instead).
   */
  readonly sourceMaxReceiveCount?: number;
}

export const MESSAGE_SCHEMAS = {
  request: RequestMessage,
  response: ResponseMessage,
  ack: AckMessage,
} as const;

/**
 * Whether a queue holds dead letters: a pipeline DLQ, the schedule's, or the requestor's
 * failed invocations (named as the CLI names them).
 */
export function isDeadLetterQueue(id: string): boolean {
  return id.endsWith('-dlq') || FAILED_INVOCATION_QUEUES.some((q) => q.label === id);
}

/** Every queue of the stack, read through SQS; DLQ peeks are reused while the DLQ's depth holds. */
export class Queues {
  /** Queues of the stack beyond the six in its outputs (the schedule's DLQ), by id: URL. */
  private extra?: Promise<Map<string, string>>;
  private logicalIds?: Promise<Map<string, string>>;
  private readonly peeks = new Map<
    string,
    { depth: number; limit: number; result: Promise<Peeked> }
  >();

  constructor(
    private readonly ctx: ConsoleContext,
    private readonly stack: StackReader,
  ) {}

  /** The six pipeline queue ids, source and DLQ. */
  ids(): QueueId[] {
    return QUEUES.flatMap((q) => {
      const id = q.toLowerCase() as Lowercase<QueueKey>;
      return [id, `${id}-dlq`] as QueueId[];
    });
  }

  /** Every queue of the stack with its depth and settings. */
  async list(): Promise<QueueInfo[]> {
    const extra = await this.others();
    return Promise.all([...this.ids(), ...extra.keys()].map((id) => this.info(id)));
  }

  /** A queue's URL, for a pipeline queue or another queue of the stack. */
  async url(id: string): Promise<string> {
    return (await this.others()).get(id) ?? this.outputUrl(id);
  }

  /**
   * Up to `limit` messages of a queue, without consuming them: on the local cloud read without a
   * receive; elsewhere received with a zero visibility timeout so they stay visible, where every
   * receive counts towards a message's receive count. So a DLQ is peeked again only when its
   * depth changed (or `fresh` asks): an open page does not make the counts it shows climb. A
   * source queue is peeked only when asked, each time afresh.
   */
  async peek(id: string, limit: number, fresh = false): Promise<Peeked> {
    const url = await this.url(id);
    if (!isDeadLetterQueue(id)) return this.receive(id, url, limit);
    const depth = await this.depth(id, url);
    const cached = this.peeks.get(id);
    if (!fresh && cached && cached.depth === depth && cached.limit >= limit) {
      const result = await cached.result;
      return { ...result, messages: result.messages.slice(0, limit) };
    }
    const result = this.receive(id, url, limit);
    this.peeks.set(id, { depth, limit, result });
    result.catch(() => this.peeks.delete(id));
    return result;
  }

  /**
   * Sends `body` to a source queue. The body must pass the queue's message schema unless
   * `allowInvalid` is set, which sends it as it is (to test how the pipeline rejects it). A valid
   * request is recorded in the Requests table first, as the requestor records its requests.
   */
  async send(id: string, body: string, allowInvalid: boolean): Promise<{ messageId: string }> {
    this.ctx.requireWrites('send a message');
    const queue = sourceQueue(id);
    if (!allowInvalid) {
      try {
        parseBody(MESSAGE_SCHEMAS[queue], body, `${queue} message`);
      } catch (error) {
        throw new ConsoleRequestError(
          `${(error as Error).message} (tick "send invalid on purpose" to send it anyway)`,
          400,
        );
      }
    }
    const url = this.outputUrl(id);
    // As the requestor does: a request recorded before it is sent completes its round trip.
    const table = this.ctx.target.outputs[Output.RequestsTableName];
    if (queue === 'request' && table) {
      await this.ctx.call(`PutItem of the request into ${table}`, () =>
        recordRequest(this.ctx.dynamodb, table, body),
      );
    }
    const { MessageId = '' } = await this.ctx.call(`SendMessage to ${id}`, () =>
      this.ctx.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body })),
    );
    return { messageId: MessageId };
  }

  /** Deletes every message of a queue; `confirm` must repeat the queue's id. */
  async purge(id: string, confirm: unknown): Promise<{ purged: QueueId }> {
    this.ctx.requireWrites('purge a queue');
    const url = await this.url(id);
    if (confirm !== id) {
      throw new ConsoleRequestError(`Purging ${id} needs confirmation: type ${id} to confirm`, 400);
    }
    await this.ctx.call(`PurgeQueue on ${id}`, () =>
      this.ctx.sqs.send(new PurgeQueueCommand({ QueueUrl: url })),
    );
    this.peeks.delete(id);
    return { purged: id as QueueId };
  }

  private async receive(id: string, url: string, limit: number): Promise<Peeked> {
    const local = peekEndpoint(this.ctx.target);
    const [messages, source] = await Promise.all([
      this.ctx.call(`Peek at ${id}`, () => peek(this.ctx.sqs, url, limit, local)),
      id.endsWith('-dlq') && this.ids().includes(id.replace(/-dlq$/, ''))
        ? this.info(id.replace(/-dlq$/, '')).catch(() => undefined)
        : undefined,
    ]);
    const max = source?.redrivePolicy?.maxReceiveCount;
    return {
      messages,
      countsAsReceive: local === undefined,
      peekedAt: new Date(this.ctx.now()).toISOString(),
      ...(max === undefined ? {} : { sourceMaxReceiveCount: max }),
    };
  }

  private async depth(id: string, url: string): Promise<number> {
    const { visible, inFlight, delayed } = await this.ctx.call(`GetQueueAttributes on ${id}`, () =>
      queueDepth(this.ctx.sqs, url),
    );
    return visible + inFlight + delayed;
  }

  private outputUrl(id: string): string {
    const queue = QUEUES.find((q) => q.toLowerCase() === id.replace(/-dlq$/, ''));
    if (!queue || !this.ids().includes(id as QueueId)) {
      throw new ConsoleRequestError(`No queue ${id}: the stack has ${this.ids().join(', ')}`, 404);
    }
    return requireOutput(
      this.ctx.target,
      id.endsWith('-dlq') ? `${queue}DlqUrl` : `${queue}QueueUrl`,
    );
  }

  private async info(id: QueueId): Promise<QueueInfo> {
    const extraUrl = (await this.others()).get(id);
    const url = extraUrl ?? this.outputUrl(id);
    const { Attributes: a = {} } = await this.ctx.call(`GetQueueAttributes on ${id}`, () =>
      this.ctx.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })),
    );
    const n = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    let redrivePolicy: QueueInfo['redrivePolicy'];
    if (a.RedrivePolicy) {
      const p = JSON.parse(a.RedrivePolicy) as {
        deadLetterTargetArn: string;
        maxReceiveCount: unknown;
      };
      redrivePolicy = {
        deadLetterTargetArn: p.deadLetterTargetArn,
        maxReceiveCount: Number(p.maxReceiveCount),
      };
    }
    const ageMs = this.ctx.target.oldestMessageAgeMs?.(url);
    const logicalId = (await this.logicalIdsByUrl()).get(url);
    return {
      id,
      ...(logicalId ? { logicalId } : {}),
      name: decodeURIComponent(url.split('/').pop() ?? id),
      url,
      isDlq: isDeadLetterQueue(id),
      redrivable: extraUrl === undefined && id.endsWith('-dlq'),
      visible: n(a.ApproximateNumberOfMessages) ?? 0,
      inFlight: n(a.ApproximateNumberOfMessagesNotVisible) ?? 0,
      delayed: n(a.ApproximateNumberOfMessagesDelayed) ?? 0,
      ...(ageMs === undefined ? {} : { oldestAgeSeconds: Math.floor(ageMs / 1000) }),
      visibilityTimeoutSeconds: n(a.VisibilityTimeout),
      retentionSeconds: n(a.MessageRetentionPeriod),
      ...(redrivePolicy ? { redrivePolicy } : {}),
    };
  }

  /**
   * The stack's queues beyond the pipeline's six (the schedule's DLQ, the requestor's failure
   * queue), read once: named as the CLI names them (`schedule-dlq`, `requestor-failures`), else
   * after their stack output (`FooQueueUrl`: `foo-queue`), else after their logical id.
   */
  private others(): Promise<Map<string, string>> {
    this.extra ??= this.stack.resources().then((resources) => {
      const pipeline = new Set(this.ids().map((id) => this.outputUrl(id)));
      const outputKeys = new Map(
        Object.entries(this.ctx.target.outputs).map(([key, url]) => [url, key]),
      );
      const found = new Map<string, string>();
      for (const r of resources) {
        if (r.type !== 'AWS::SQS::Queue' || pipeline.has(r.physicalId)) continue;
        const key = outputKeys.get(r.physicalId);
        const known = FAILED_INVOCATION_QUEUES.find((q) => q.output === key)?.label;
        const id = known
          ? known
          : key
            ? key
                .replace(/Url$/, '')
                .replace(/([a-z])([A-Z])/g, '$1-$2')
                .toLowerCase()
            : /schedule/i.test(r.logicalId)
              ? 'schedule-dlq'
              : (r.logicalId || r.physicalId).toLowerCase();
        found.set(found.has(id) ? `${id}-${found.size}` : id, r.physicalId);
      }
      return found;
    });
    return this.extra;
  }

  private logicalIdsByUrl(): Promise<Map<string, string>> {
    this.logicalIds ??= this.stack
      .resources()
      .then(
        (resources) =>
          new Map(
            resources
              .filter((r) => r.type === 'AWS::SQS::Queue')
              .map((r) => [r.physicalId, r.logicalId]),
          ),
      );
    return this.logicalIds;
  }
}

function sourceQueue(id: string): keyof typeof MESSAGE_SCHEMAS {
  if (id === 'request' || id === 'response' || id === 'ack') return id;
  throw new ConsoleRequestError(
    `Messages are sent to request, response or ack, not ${id} (a dead letter comes back through a redrive)`,
    400,
  );
}
