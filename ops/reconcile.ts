import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  Output,
  type OutputKey,
  QUEUES,
  type QueueKey,
  queueOutputs,
  Status,
} from '../functions/shared/contract';
import { peekMessages, readFailedInvocation } from './failed-invocations';

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
  /** The request ids a run asked for; without it every item in the tables counts. */
  readonly expected?: readonly string[];
}

/** Reads both tables and all six queues and says how far each request got. */
export async function reconcile(input: ReconcileInput): Promise<Reconciliation> {
  const { outputs } = input;
  const invocationQueues = FAILED_INVOCATION_OUTPUTS.filter((key) => outputs[key]);
  const [requests, strings, queues, deadLetters, failed] = await Promise.all([
    scanAll(input.dynamodb, output(outputs, Output.RequestsTableName)),
    scanAll(input.dynamodb, output(outputs, Output.StringsTableName)),
    depths(input.sqs, outputs, 'queue'),
    depths(input.sqs, outputs, 'dlq'),
    Promise.all(invocationQueues.map((key) => queueDepth(input.sqs, output(outputs, key)))),
  ]);
  const ids = input.expected
    ? new Set(input.expected)
    : new Set([...requests.keys(), ...strings.keys()]);
  let complete = 0;
  const mismatched: string[] = [];
  const incomplete: { requestId: string; stage: string }[] = [];
  for (const id of ids) {
    const request = requests.get(id);
    const string = strings.get(id);
    // Two values for one request is a failure at any stage: the generator refuses to
    // acknowledge it, so it would otherwise only show as "stored, not acknowledged".
    if (request?.value !== undefined && string?.value !== undefined) {
      if (request.value !== string.value) {
        mismatched.push(id);
        continue;
      }
    }
    if (request?.status === Status.Stored && string?.status === Status.Acknowledged) {
      complete += 1;
      continue;
    }
    incomplete.push({ requestId: id, stage: stageOf(request?.status, string?.status) });
  }
  const failedCounts = invocationQueues.map((key, i) => {
    const d = failed[i] as QueueDepth;
    return [key, d.visible + d.inFlight + d.delayed] as const;
  });
  const failedInvocationReasons = Object.fromEntries(
    await Promise.all(
      failedCounts
        .filter(([, n]) => n > 0)
        .map(async ([key]) => {
          const messages = await peekMessages(input.sqs, output(outputs, key), REASONS_SHOWN);
          return [key, messages.map((m) => readFailedInvocation(m).reason)] as const;
        }),
    ),
  );
  const unexpected = input.expected
    ? [...new Set([...requests.keys(), ...strings.keys()])].filter((id) => !ids.has(id))
    : [];
  const count = (items: Map<string, RecordItem>, status: string) =>
    [...items.values()].filter((i) => i.status === status).length;
  return {
    requested: requests.size,
    stored: count(requests, Status.Stored),
    generated: strings.size,
    acknowledged: count(strings, Status.Acknowledged),
    complete,
    mismatched,
    incomplete,
    unexpected,
    queues: mapQueues(queues, (d) => d),
    deadLetters: mapQueues(deadLetters, (d) => d.visible + d.inFlight + d.delayed),
    failedInvocations: Object.fromEntries(failedCounts),
    failedInvocationReasons,
  };
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

/** The furthest stage a request reached, from its two records. */
function stageOf(request?: string, string?: string): string {
  if (request === Status.Stored) return 'stored, not acknowledged';
  if (string === Status.Acknowledged) return 'acknowledged, not stored';
  if (string === Status.Generated) return 'generated, not stored';
  if (request === Status.Requested) return 'requested, not generated';
  return 'never recorded';
}

/** What both services record per request: its stage and the string. */
export interface RecordItem {
  readonly status?: string;
  readonly value?: string;
}

/** Every item of a pipeline table (Requests or Strings), by request id, read page by page. */
export async function scanAll(
  dynamodb: DynamoDBClient,
  table: string,
): Promise<Map<string, RecordItem>> {
  const items = new Map<string, RecordItem>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: 'requestId, #status, #value',
        ExpressionAttributeNames: { '#status': 'status', '#value': 'value' },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const id = item.requestId?.S;
      if (id) items.set(id, { status: item.status?.S, value: item.value?.S });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
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
