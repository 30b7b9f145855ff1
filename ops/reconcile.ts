/**
 * Reconciliation: where every request stands across both tables and the queues, so a run can tell
 * whether it ended clean. The tables are joined page by page, so it holds pages, not tables.
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  Output,
  type OutputKey,
  QUEUES,
  type QueueKey,
  queueOutputs,
  Status,
} from '../contract/contract';
import { readFailedInvocation } from './failed-invocations';
import { peekMessages } from './peek';
import { RequestIdSet } from './request-ids';

/** Messages in a queue right now (visible, in flight, delayed). */
export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** Where every request stands, from both services' tables and the queues. */
export interface Reconciliation {
  /** Items in the requestor's Requests table. */
  readonly requested: number;
  /** Requests with a received string (status {@link Status.Stored}). */
  readonly stored: number;
  /** Items in the generator's Strings table. */
  readonly generated: number;
  /** Strings with status {@link Status.Acknowledged}. */
  readonly acknowledged: number;
  /** Round trips complete: stored and acknowledged, with the same value. */
  readonly complete: number;
  /** Request ids whose stored and generated values differ, at any stage (never in a clean run). */
  readonly mismatched: string[];
  /** Expected request ids that are not complete, with the stage each reached. */
  readonly incomplete: { requestId: string; stage: string }[];
  /** Items in either table for request ids nobody asked for (only when `expected` is given). */
  readonly unexpected: string[];
  readonly queues: Record<QueueKey, QueueDepth>;
  readonly deadLetters: Record<QueueKey, number>;
  /**
   * Messages in the schedule's DLQ (ticks Scheduler could not deliver) and the requestor's
   * on-failure queue (invocations that failed every retry), by output key; a stack without
   * these outputs has none.
   */
  readonly failedInvocations: Partial<Record<FailedInvocationOutput, number>>;
  /**
   * Why they failed, one line per message (up to {@link REASONS_SHOWN} per queue; read only when
   * the queue holds any): `RetriesExhausted after 3 attempts: Error: ...`.
   */
  readonly failedInvocationReasons: Partial<Record<FailedInvocationOutput, string[]>>;
}

/** Reasons reconciliation reads per failed-invocation queue. */
export const REASONS_SHOWN = 10;

/** The stack outputs naming the queues of failed requestor invocations. */
export const FAILED_INVOCATION_OUTPUTS = [Output.ScheduleDlqUrl, Output.RequestorFailureDlqUrl];
export type FailedInvocationOutput = (typeof FAILED_INVOCATION_OUTPUTS)[number];

/** Everything a reconciliation needs: clients and the stack outputs naming tables and queues. */
export interface ReconcileInput {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly outputs: Record<string, string>;
  /**
   * The request ids a run asked for (a {@link RequestIdSet} is used as it is, sorted); without
   * it every item in the tables counts.
   */
  readonly expected?: Iterable<string>;
  /** A local cloud's endpoint, to read failure reasons without receiving (see `ops/peek.ts`). */
  readonly peekEndpoint?: string;
}

/**
 * Reads both tables and all six queues and says how far each request got. The tables are read
 * side by side, each item matched against its partner as their pages arrive ({@link joinTables}),
 * so reconciling holds about a page of each table, whatever their size.
 */
export async function reconcile(input: ReconcileInput): Promise<Reconciliation> {
  const { outputs } = input;
  const invocationQueues = FAILED_INVOCATION_OUTPUTS.filter((key) => outputs[key]);
  const stringsTable = output(outputs, Output.StringsTableName);
  const [queues, deadLetters, failed] = await Promise.all([
    depths(input.sqs, outputs, 'queue'),
    depths(input.sqs, outputs, 'dlq'),
    Promise.all(invocationQueues.map((key) => queueDepth(input.sqs, output(outputs, key)))),
  ]);
  const settlement = new Settlement(input.expected);
  const counts = await countAndSettle(
    input.dynamodb,
    output(outputs, Output.RequestsTableName),
    stringsTable,
    settlement,
  );
  settlement.finish();
  const failedCounts = invocationQueues.map((key, i) => {
    const d = failed[i] as QueueDepth;
    return [key, d.visible + d.inFlight + d.delayed] as const;
  });
  const { complete, mismatched, incomplete, unexpected } = settlement;
  return {
    ...counts,
    complete,
    mismatched,
    incomplete,
    unexpected,
    queues: mapQueues(queues, (d) => d),
    deadLetters: mapQueues(deadLetters, (d) => d.visible + d.inFlight + d.delayed),
    failedInvocations: Object.fromEntries(failedCounts),
    failedInvocationReasons: await failureReasons(input, failedCounts),
  };
}

/**
 * Sorts request ids by the stage their records reached. With expected ids, each is flagged once
 * met in either table; ids nobody asked for are unexpected, and those never met were never
 * recorded.
 */
class Settlement {
  complete = 0;
  readonly mismatched: string[] = [];
  readonly incomplete: { requestId: string; stage: string }[] = [];
  readonly unexpected: string[] = [];
  private readonly expected: RequestIdSet | undefined;
  private readonly met: Uint8Array;

  constructor(expected?: Iterable<string>) {
    this.expected = expected ? RequestIdSet.of(expected).sorted() : undefined;
    this.met = new Uint8Array(this.expected?.size ?? 0);
  }

  /** Files one request id, from whichever of its two records exist. */
  settle(id: string, request?: RecordItem, string?: RecordItem): void {
    if (this.expected && !this.meet(id)) {
      this.unexpected.push(id);
      return;
    }
    const stage = stageOf(request, string);
    if (stage === 'complete') this.complete += 1;
    else if (stage === 'mismatched') this.mismatched.push(id);
    else this.incomplete.push({ requestId: id, stage });
  }

  /** Settles the expected ids neither table holds, then sorts the lists. */
  finish(): void {
    const expected = this.expected;
    if (expected)
      for (const [index, wasMet] of this.met.entries())
        if (!wasMet) this.settle(expected.at(index));
    // Request ids are ULIDs, so in id order the lists read mostly in the order requests were made.
    for (const list of [this.unexpected, this.mismatched]) list.sort();
    this.incomplete.sort((a, b) => (a.requestId < b.requestId ? -1 : 1));
  }

  /** Flags an expected id as met; false for an id not expected or met before. */
  private meet(id: string): boolean {
    const index = this.expected?.indexOf(id) ?? -1;
    if (index < 0 || this.met[index]) return false;
    this.met[index] = 1;
    return true;
  }
}

/** Joins the Requests and Strings tables, settling each request id and counting both tables. */
async function countAndSettle(
  dynamodb: DynamoDBClient,
  requestsTable: string,
  stringsTable: string,
  settlement: Settlement,
): Promise<Pick<Reconciliation, 'requested' | 'stored' | 'generated' | 'acknowledged'>> {
  const counts = { requested: 0, stored: 0, generated: 0, acknowledged: 0 };
  await joinTables(scanPages(dynamodb, requestsTable), scanPages(dynamodb, stringsTable), {
    left: (request) => {
      counts.requested += 1;
      if (request.status === Status.Stored) counts.stored += 1;
    },
    right: (string) => {
      counts.generated += 1;
      if (string.status === Status.Acknowledged) counts.acknowledged += 1;
    },
    settle: (id, request, string) => settlement.settle(id, request, string),
  });
  return counts;
}

/** Why invocations failed, read from each failed-invocation queue that holds any. */
async function failureReasons(
  { sqs, outputs, peekEndpoint }: ReconcileInput,
  counts: readonly (readonly [FailedInvocationOutput, number])[],
): Promise<Reconciliation['failedInvocationReasons']> {
  return Object.fromEntries(
    await Promise.all(
      counts
        .filter(([, n]) => n > 0)
        .map(async ([key]) => {
          const url = output(outputs, key);
          const messages = await peekMessages(sqs, url, REASONS_SHOWN, peekEndpoint);
          return [key, messages.map((m) => readFailedInvocation(m).reason)] as const;
        }),
    ),
  );
}

/** True when every expected round trip completed and nothing is left anywhere. */
export function isClean(r: Reconciliation): boolean {
  const queued = QUEUES.some(
    (q) => r.queues[q].visible + r.queues[q].inFlight + r.queues[q].delayed > 0,
  );
  const dead =
    QUEUES.some((q) => r.deadLetters[q] > 0) ||
    Object.values(r.failedInvocations).some((n) => n > 0);
  return (
    r.incomplete.length === 0 &&
    r.mismatched.length === 0 &&
    r.unexpected.length === 0 &&
    !queued &&
    !dead
  );
}

/**
 * How far a request got, from its two records: `complete`, `mismatched` (two values for one
 * request, a failure at any stage: the generator refuses to acknowledge it, so it would otherwise
 * only show as "stored, not acknowledged"), or the furthest stage it reached.
 */
function stageOf(request?: RecordItem, string?: RecordItem): string {
  if (request?.value !== undefined && string?.value !== undefined && request.value !== string.value)
    return 'mismatched';
  if (request?.status === Status.Stored && string?.status === Status.Acknowledged)
    return 'complete';
  if (request?.status === Status.Stored) return 'stored, not acknowledged';
  if (string?.status === Status.Acknowledged) return 'acknowledged, not stored';
  if (string?.status === Status.Generated) return 'generated, not stored';
  if (request?.status === Status.Requested) return 'requested, not generated';
  return 'never recorded';
}

/** What both services record per request: its stage and the string. */
export interface RecordItem {
  readonly status?: string;
  readonly value?: string;
}

/** A pipeline table's items by status (`(none)` for an item without one), keeping no items. */
export async function countByStatus(
  dynamodb: DynamoDBClient,
  table: string,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await scanEach(dynamodb, table, (_, { status = '(none)' }) => {
    counts[status] = (counts[status] ?? 0) + 1;
  });
  return counts;
}

/**
 * Items per Scan page. Without a limit a page holds 1 MB of items as stored (many of the
 * pipeline's small items), which the reader, and on the local cloud the emulator, hold in several
 * forms at once; a smaller page keeps that transient memory small for a few more requests.
 */
const SCAN_PAGE_ITEMS = 500;

/** Calls `visit` with each item of a pipeline table, page by page, keeping none. */
async function scanEach(
  dynamodb: DynamoDBClient,
  table: string,
  visit: (requestId: string, item: RecordItem) => void,
): Promise<void> {
  for await (const page of scanPages(dynamodb, table)) {
    for (const [id, item] of page) visit(id, item);
  }
}

/** A pipeline table's items, one Scan page at a time, by request id. */
async function* scanPages(
  dynamodb: DynamoDBClient,
  table: string,
): AsyncGenerator<[requestId: string, item: RecordItem][]> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: 'requestId, #status, #value',
        ExpressionAttributeNames: { '#status': 'status', '#value': 'value' },
        ExclusiveStartKey: start,
        Limit: SCAN_PAGE_ITEMS,
      }),
    );
    const items: [string, RecordItem][] = [];
    for (const item of page.Items ?? []) {
      const id = item.requestId?.S;
      if (id) items.push([id, { status: item.status?.S, value: item.value?.S }]);
    }
    yield items;
    start = page.LastEvaluatedKey;
  } while (start);
}

/**
 * Matches the items of two tables keyed alike (Requests and Strings, by request id) as their
 * pages arrive, calling `settle` once per id with whichever of its two items exist. An item waits
 * only until its partner arrives, and the next page is read from the side the other is waiting
 * on, so when both scans meet the ids in the same order, as DynamoDB's and dynalite's do for the
 * same keys (by the hash of the partition key), the join holds about a page of each table and
 * twice the items without a partner (incomplete requests), not a whole table. In any other order
 * it is still right, and holds more.
 */
export async function joinTables(
  left: AsyncIterator<[string, RecordItem][]>,
  right: AsyncIterator<[string, RecordItem][]>,
  on: {
    left(item: RecordItem): void;
    right(item: RecordItem): void;
    settle(id: string, left?: RecordItem, right?: RecordItem): void;
  },
): Promise<void> {
  const waitingLeft = new Map<string, RecordItem>();
  const waitingRight = new Map<string, RecordItem>();
  let leftDone = false;
  let rightDone = false;
  while (!leftDone || !rightDone) {
    const readLeft = rightDone || (!leftDone && waitingRight.size >= waitingLeft.size);
    const next = await (readLeft ? left : right).next();
    if (next.done) {
      if (readLeft) leftDone = true;
      else rightDone = true;
      continue;
    }
    const [waiting, partners, otherDone] = readLeft
      ? [waitingLeft, waitingRight, rightDone]
      : [waitingRight, waitingLeft, leftDone];
    for (const [id, item] of next.value) {
      if (readLeft) on.left(item);
      else on.right(item);
      const partner = partners.get(id);
      if (partner) partners.delete(id);
      // Nothing more will come from the other side: no partner now means none at all.
      else if (!otherDone) {
        waiting.set(id, item);
        continue;
      }
      if (readLeft) on.settle(id, item, partner);
      else on.settle(id, partner, item);
    }
  }
  for (const [id, item] of waitingLeft) on.settle(id, item);
  for (const [id, item] of waitingRight) on.settle(id, undefined, item);
}

async function depths(
  sqs: SQSClient,
  outputs: Record<string, string>,
  which: 'queue' | 'dlq',
): Promise<QueueDepth[]> {
  return Promise.all(QUEUES.map((q) => queueDepth(sqs, output(outputs, queueOutputs(q)[which]))));
}

/** A queue's visible, in-flight and delayed message counts (SQS's approximate numbers). */
export async function queueDepth(sqs: SQSClient, url: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

function mapQueues<T, U>(values: T[], f: (value: T) => U): Record<QueueKey, U> {
  return Object.fromEntries(QUEUES.map((q, i) => [q, f(values[i] as T)])) as Record<QueueKey, U>;
}

/** A stack output by key, or an error naming the missing key. */
export function output(outputs: Record<string, string>, key: OutputKey): string {
  const value = outputs[key];
  if (!value)
    throw new Error(
      `The stack has no output ${key} (outputs: ${Object.keys(outputs).join(', ') || 'none'})`,
    );
  return value;
}
