/**
 * The one place that knows fauxqs's internals. fauxqs's public API has no way to read a queue's
 * depth without an API call or to end a long poll early, and the local cloud needs both (its idle
 * check runs every 20 ms; pausing a consumer must not leave a 20 s long poll behind). So this file
 * builds the fauxqs app on a store it holds, and exposes only the few operations the engine uses.
 * If a fauxqs upgrade moves its store, this file is the one to change.
 */
import { buildApp } from 'fauxqs';
// The stores by path: fauxqs exports only its app. The same files its app imports, so one copy of
// each class, whether Node loads them or npm start's engine bundles them.
import { S3Store } from '../../node_modules/fauxqs/dist/s3/s3Store.js';
import { SqsStore } from '../../node_modules/fauxqs/dist/sqs/sqsStore.js';

/** A queue's message counts, read from fauxqs's state (no API call). */
export interface QueueDepth {
  readonly visible: number;
  readonly delayed: number;
  readonly inFlight: number;
}

/** What the engine reads from and does to fauxqs's queues directly. */
export interface FauxqsQueues {
  /** The queue's counts, as fauxqs holds them right now; undefined for an unknown queue. */
  depth(url: string): QueueDepth | undefined;
  /** Ends the pending long polls on the queue at `url`, or on every queue; they return what is there. */
  wake(url?: string): void;
  /**
   * Returns expired in-flight messages and due delayed messages to their queues. fauxqs does this
   * only when it next receives from a queue; SQS counts them as visible at once.
   */
  catchUpTimers(): void;
  /**
   * Age of the oldest message (visible or in flight, as SQS's `ApproximateAgeOfOldestMessage`
   * counts) of the queue at `url`: 0 for an empty queue, undefined for an unknown one. SQS
   * exposes this only as a CloudWatch metric; the console beside a local cloud reads it here.
   */
  oldestMessageAgeMs(url: string, now?: number): number | undefined;
  /**
   * Up to `limit` messages of the queue at `url`, read from its state without a receive: ready
   * ones first (oldest first), then those in flight, then delayed ones; receive counts and
   * visibility stay as they are. Undefined for an unknown queue.
   */
  peek(url: string, limit: number): PeekedMessage[] | undefined;
}

/** A message as {@link FauxqsQueues.peek} reads it, in the SQS JSON protocol's shape. */
export interface PeekedMessage {
  readonly MessageId: string;
  readonly Body: string;
  readonly MD5OfBody: string;
  readonly Attributes: Record<string, string>;
  readonly MessageAttributes?: Record<string, unknown>;
  readonly MD5OfMessageAttributes?: string;
}

/** What the engine reads from and does to fauxqs's S3 buckets directly. */
export interface FauxqsBuckets {
  /** Creates the bucket if it does not exist yet. */
  create(name: string): void;
  /** Whether the bucket exists. */
  has(name: string): boolean;
  /** Deletes the bucket with every object in it (CloudFormation refuses a non-empty one first). */
  delete(name: string): void;
  /** How many objects the bucket holds; undefined if there is no such bucket. */
  size(name: string): number | undefined;
  /** An object's bytes; undefined if the bucket or the key does not exist. */
  read(bucket: string, key: string): Buffer | undefined;
  /** Puts an object into an existing bucket, as PutObject does. */
  write(bucket: string, key: string, body: Buffer): void;
}

/** A fauxqs app, not yet listening, and the engine's handle on its queues and buckets. */
export interface Fauxqs {
  readonly app: ReturnType<typeof buildApp>;
  readonly queues: FauxqsQueues;
  readonly buckets: FauxqsBuckets;
}

/** The part of fauxqs's SqsQueue we use (public members of its class, but not exported). */
interface StoreMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: Record<string, unknown>;
  readonly md5OfMessageAttributes: string;
  readonly sentTimestamp: number;
  readonly approximateReceiveCount: number;
  readonly approximateFirstReceiveTimestamp?: number;
}
interface StoreQueue {
  /** Ready messages, oldest first; fauxqs pushes, shifts, counts, spreads and (purging) replaces. */
  messages: Iterable<StoreMessage> & { readonly length: number };
  readonly delayedMessages: readonly StoreMessage[];
  readonly inflightMessages: ReadonlyMap<string, { readonly message: StoreMessage }>;
  readonly fifoMessages?: ReadonlyMap<string, readonly StoreMessage[]>;
  readonly fifoDelayed?: ReadonlyMap<string, readonly StoreMessage[]>;
  /** Resolves every pending long poll now (each then returns what the queue holds). */
  cancelWaiters(): void;
}
interface Store {
  host: string;
  createQueue(...args: unknown[]): StoreQueue;
  getQueue(url: string): StoreQueue | undefined;
  listQueues(): StoreQueue[];
  processAllTimers(): void;
}

/**
 * Builds fauxqs (SQS only matters; fauxqs makes its SNS and S3 stores itself) on a store we
 * construct, because fauxqs does not export it. Queue URLs use the address clients connect to
 * (127.0.0.1:port), not `sqs.<region>.localhost`, which needs DNS support many machines lack.
 */
export function buildFauxqs(region: string): Fauxqs {
  const s3Store = new S3Store() as unknown as BucketStore;
  const store = new SqsStore() as unknown as Store;
  // An empty host makes fauxqs build each queue URL from the request's Host header.
  store.host = '';
  const createQueue = store.createQueue.bind(store);
  store.createQueue = (...args) => withMessageDeque(createQueue(...args));
  const app = buildApp({
    logger: false,
    defaultRegion: region,
    stores: { sqsStore: store, s3Store } as unknown as NonNullable<
      Parameters<typeof buildApp>[0]
    >['stores'],
  });
  const queuesAt = (url?: string) =>
    url === undefined ? store.listQueues() : [store.getQueue(url)].filter((q) => q !== undefined);
  return {
    app,
    buckets: bucketsOf(s3Store),
    queues: {
      depth(url) {
        const queue = store.getQueue(url);
        if (!queue) return undefined;
        return {
          visible: queue.messages.length + countAll(queue.fifoMessages),
          delayed: queue.delayedMessages.length + countAll(queue.fifoDelayed),
          inFlight: queue.inflightMessages.size,
        };
      },
      wake(url) {
        for (const queue of queuesAt(url)) queue.cancelWaiters();
      },
      catchUpTimers: () => store.processAllTimers(),
      oldestMessageAgeMs(url, now = Date.now()) {
        const queue = store.getQueue(url);
        return queue ? now - oldestSentTimestamp(queue, now) : undefined;
      },
      peek(url, limit) {
        const queue = store.getQueue(url);
        return queue ? peekQueue(queue, limit) : undefined;
      },
    },
  };
}

/** The part of fauxqs's S3Store we use (public members of its class, but not exported). */
interface BucketStore {
  buckets: Map<string, Map<string, { body: Buffer }>>;
  createBucket(name: string): void;
  hasBucket(name: string): boolean;
  emptyBucket(name: string): void;
  deleteBucket(name: string): void;
  putObject(bucket: string, key: string, body: Buffer): unknown;
}

function bucketsOf(store: BucketStore): FauxqsBuckets {
  return {
    create: (name) => store.createBucket(name),
    has: (name) => store.hasBucket(name),
    delete(name) {
      if (!store.hasBucket(name)) return;
      store.emptyBucket(name);
      store.deleteBucket(name);
    },
    size: (name) => store.buckets.get(name)?.size,
    read: (bucket, key) => store.buckets.get(bucket)?.get(key)?.body,
    write: (bucket, key, body) => {
      store.putObject(bucket, key, body);
    },
  };
}

/** When the oldest message of `queue` was sent, visible or in flight; `now` when it is empty. */
function oldestSentTimestamp(queue: StoreQueue, now: number): number {
  let oldest = now;
  const consider = (m: StoreMessage) => {
    if (m.sentTimestamp < oldest) oldest = m.sentTimestamp;
  };
  for (const m of queue.messages) consider(m);
  for (const { message } of queue.inflightMessages.values()) consider(message);
  for (const group of queue.fifoMessages?.values() ?? []) for (const m of group) consider(m);
  return oldest;
}

/** Up to `limit` of the queue's messages, ready, in flight, then delayed, untouched. */
function peekQueue(queue: StoreQueue, limit: number): PeekedMessage[] {
  const found: PeekedMessage[] = [];
  const take = (messages: Iterable<StoreMessage>) => {
    for (const m of messages) {
      if (found.length >= limit) return;
      found.push(asPeeked(m));
    }
  };
  take(queue.messages);
  for (const group of queue.fifoMessages?.values() ?? []) take(group);
  take([...queue.inflightMessages.values()].map((entry) => entry.message));
  take(queue.delayedMessages);
  for (const group of queue.fifoDelayed?.values() ?? []) take(group);
  return found;
}

function asPeeked(m: StoreMessage): PeekedMessage {
  const attributes: Record<string, string> = {
    SentTimestamp: String(m.sentTimestamp),
    ApproximateReceiveCount: String(m.approximateReceiveCount),
  };
  if (m.approximateFirstReceiveTimestamp !== undefined) {
    attributes.ApproximateFirstReceiveTimestamp = String(m.approximateFirstReceiveTimestamp);
  }
  const hasAttributes = Object.keys(m.messageAttributes ?? {}).length > 0;
  return {
    MessageId: m.messageId,
    Body: m.body,
    MD5OfBody: m.md5OfBody,
    Attributes: attributes,
    ...(hasAttributes
      ? { MessageAttributes: m.messageAttributes, MD5OfMessageAttributes: m.md5OfMessageAttributes }
      : {}),
  };
}

function countAll(groups: ReadonlyMap<string, readonly unknown[]> | undefined): number {
  let count = 0;
  for (const group of groups?.values() ?? []) count += group.length;
  return count;
}

/**
 * Ready messages in arrival order, with the part of Array's interface fauxqs uses (push, shift,
 * length, iteration). fauxqs keeps them in an Array and receives with `shift()`, which V8 makes a
 * copy of the whole array once it is large (as the request queue gets while a big run is being
 * asked for): the cost of a receive grew with the backlog. Here a shift moves an index, and the
 * array is compacted once more than half of it has been shifted.
 */
export class MessageDeque<T> implements Iterable<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(...values: T[]): number {
    for (const value of values) this.items.push(value);
    return this.length;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const value = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= COMPACT_FROM && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return value;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}

/** Shifted slots a deque lets pile up before it compacts (cheaper than compacting on every shift). */
const COMPACT_FROM = 1024;

/** Gives a new queue a {@link MessageDeque} for its ready messages, kept one when fauxqs purges. */
function withMessageDeque(queue: StoreQueue): StoreQueue {
  let messages = new MessageDeque<StoreMessage>();
  for (const message of queue.messages) messages.push(message);
  Object.defineProperty(queue, 'messages', {
    get: () => messages,
    set: (replacement: Iterable<StoreMessage>) => {
      messages = new MessageDeque<StoreMessage>();
      for (const message of replacement) messages.push(message);
    },
    enumerable: true,
    configurable: true,
  });
  return queue;
}
