/**
 * Stranded requests: recorded REQUESTED by an invocation of the requestor that died before it
 * sent them (a crash, a timeout), and still REQUESTED long after any message could be on its way.
 * Only a retry of that invocation, with its idempotency key and count, re-sends them under the
 * same ids; each item records both, so this module finds them by invocation, says which payload
 * re-sends them, and re-sends them. `inspect` and `redrive --stranded` use it, on any target.
 */
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Output, QUEUES, queueOutputs, RequestOrigin, Status } from '../contract/contract';
import { describeError } from './drain';
import { requireOutput, type Target } from './target';

/**
 * A request is stranded once it stayed REQUESTED this many visibility timeouts (of the slowest
 * pipeline queue): by then a message sent for it was received, failed or retried several times.
 */
export const STRANDED_AFTER_VISIBILITY_TIMEOUTS = 3;

/** Ids shown per invocation. */
const IDS_SHOWN = 5;

/** The payload that re-invokes the requestor as the invocation that recorded the requests. */
export interface RetryPayload {
  readonly count: number;
  readonly idempotencyKey: string;
}

/** The stranded requests of one invocation. */
export interface StrandedInvocation {
  /** Its idempotency key; undefined for items recorded before the requestor kept it. */
  readonly idempotencyKey?: string;
  /** How many requests it asked for. */
  readonly count?: number;
  /** How many of them are stranded. */
  readonly stranded: number;
  /** Up to five of their ids. */
  readonly requestIds: string[];
  /** When the first of them was recorded. */
  readonly requestedAt: string;
  /** What re-sends them: invoke the requestor with it (absent without a key). */
  readonly payload?: RetryPayload;
}

/** Every stranded request, by invocation, oldest first. */
export interface StrandedReport {
  /** A request counts as stranded once REQUESTED for longer than this. */
  readonly olderThanSeconds: number;
  readonly total: number;
  readonly invocations: StrandedInvocation[];
}

/**
 * Finds the requests REQUESTED for longer than {@link STRANDED_AFTER_VISIBILITY_TIMEOUTS}
 * visibility timeouts (or `olderThanSeconds`), grouped by the invocation that recorded them.
 */
export async function findStranded(
  target: Target,
  options: { olderThanSeconds?: number; now?: number } = {},
): Promise<StrandedReport> {
  const olderThanSeconds = options.olderThanSeconds ?? (await strandedAfterSeconds(target));
  const cutoff = new Date((options.now ?? Date.now()) - olderThanSeconds * 1000).toISOString();
  const dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
  const byKey = new Map<string, { item: Record<string, AttributeValue>; group: Group }>();
  let total = 0;
  try {
    for await (const item of requestedBefore(dynamodb, target, cutoff)) {
      total += 1;
      const key = item[RequestOrigin.IdempotencyKey]?.S ?? '';
      const entry = byKey.get(key) ?? { item, group: { stranded: 0, requestIds: [], first: '~' } };
      const { group } = entry;
      group.stranded += 1;
      if (group.requestIds.length < IDS_SHOWN) group.requestIds.push(item.requestId?.S ?? '');
      const requestedAt = item.requestedAt?.S ?? '';
      if (requestedAt < group.first) group.first = requestedAt;
      byKey.set(key, entry);
    }
  } finally {
    dynamodb.destroy();
  }
  const invocations = [...byKey.values()]
    .map(({ item, group }) => strandedInvocation(item, group))
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  return { olderThanSeconds, total, invocations };
}

/** What is gathered of one invocation's stranded requests while the table is read. */
interface Group {
  stranded: number;
  requestIds: string[];
  /** The earliest `requestedAt`. */
  first: string;
}

/** One invocation's stranded requests, from one of its items (its key and count) and the rest. */
function strandedInvocation(
  item: Record<string, AttributeValue>,
  group: Group,
): StrandedInvocation {
  const idempotencyKey = item[RequestOrigin.IdempotencyKey]?.S;
  const count = Number(item[RequestOrigin.Count]?.S);
  const known = Number.isInteger(count) ? count : undefined;
  return {
    ...(idempotencyKey ? { idempotencyKey } : {}),
    ...(known !== undefined ? { count: known } : {}),
    stranded: group.stranded,
    requestIds: group.requestIds,
    requestedAt: group.first,
    ...(idempotencyKey && known !== undefined ? { payload: { count: known, idempotencyKey } } : {}),
  };
}

/** The REQUESTED items recorded before `cutoff`, a Scan page at a time. */
async function* requestedBefore(
  dynamodb: DynamoDBClient,
  target: Target,
  cutoff: string,
): AsyncGenerator<Record<string, AttributeValue>> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: requireOutput(target, Output.RequestsTableName),
        FilterExpression: '#status = :requested AND requestedAt < :cutoff',
        ProjectionExpression: 'requestId, requestedAt, #key, #count',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#key': RequestOrigin.IdempotencyKey,
          '#count': RequestOrigin.Count,
        },
        ExpressionAttributeValues: {
          ':requested': { S: Status.Requested },
          ':cutoff': { S: cutoff },
        },
        ExclusiveStartKey: start,
      }),
    );
    yield* page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}

/** {@link STRANDED_AFTER_VISIBILITY_TIMEOUTS} times the longest visibility timeout of the queues. */
async function strandedAfterSeconds(target: Target): Promise<number> {
  const sqs = new SQSClient(target.clientConfig('sqs'));
  try {
    const timeouts = await Promise.all(
      QUEUES.map(async (queue) => {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: requireOutput(target, queueOutputs(queue).queue),
            AttributeNames: ['VisibilityTimeout'],
          }),
        );
        return Number(Attributes.VisibilityTimeout ?? 30);
      }),
    );
    return STRANDED_AFTER_VISIBILITY_TIMEOUTS * Math.max(...timeouts);
  } finally {
    sqs.destroy();
  }
}

/** What re-sending one invocation's stranded requests came to. */
export interface StrandedRetry {
  readonly invocation: StrandedInvocation;
  /** The request ids the retry answered with (the invocation's, all of them). */
  readonly requestIds?: string[];
  /** Why it could not be retried, or why the retry failed. */
  readonly error?: string;
}

/**
 * Re-sends stranded requests: invokes the requestor synchronously with each invocation's payload,
 * one after the other. The requestor records nothing anew for a key it has seen and re-sends
 * only the requests still REQUESTED, under their ids, so nothing is asked for twice.
 */
export async function retryStranded(
  target: Target,
  invocations: readonly StrandedInvocation[],
): Promise<StrandedRetry[]> {
  const lambda = new LambdaClient(target.clientConfig('lambda'));
  const functionName = requireOutput(target, Output.RequestorFunctionName);
  const retries: StrandedRetry[] = [];
  try {
    for (const invocation of invocations) {
      retries.push(await retryOne(lambda, functionName, invocation));
    }
  } finally {
    lambda.destroy();
  }
  return retries;
}

async function retryOne(
  lambda: LambdaClient,
  functionName: string,
  invocation: StrandedInvocation,
): Promise<StrandedRetry> {
  if (!invocation.payload) {
    return {
      invocation,
      error:
        'recorded without its idempotency key (by an older requestor): its requests cannot be re-sent under their ids',
    };
  }
  try {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        Payload: Buffer.from(JSON.stringify(invocation.payload)),
      }),
    );
    const text = Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8');
    if (out.FunctionError) return { invocation, error: `${out.FunctionError}: ${text}` };
    const { requestIds } = JSON.parse(text) as { requestIds?: string[] };
    return { invocation, requestIds: requestIds ?? [] };
  } catch (error) {
    return { invocation, error: describeError(error) };
  }
}
