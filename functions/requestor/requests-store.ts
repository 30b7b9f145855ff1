import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { RequestOrigin, Status } from '../../contract/contract';
import { mapLimit } from '../shared/collections';
import { existingAfterConditionFailure, isConditionFailure, toItem } from '../shared/dynamo';
import { ConflictError, UnknownRequestError } from '../shared/errors';
import { backoffMs, defaultRetry, type RetryPolicy } from '../shared/retry';

/**
 * Conditional PutItems in flight at once while recording one invocation's requests: 10,000
 * single-item writes must fit the function's timeout, and the SDK keeps up to 50 sockets.
 */
export const RECORD_CONCURRENCY = 48;

/** A request as the requestor records it, with the invocation that asked for it (to retry it). */
export interface RecordedRequest {
  readonly requestId: string;
  readonly requestedAt: string;
  readonly [RequestOrigin.IdempotencyKey]?: string;
  readonly [RequestOrigin.Count]?: string;
}

/** The requestor's persistence: what it asked for and what it received. */
export interface RequestsStore {
  /**
   * Records requests as REQUESTED, each only if its id is new, so recording again (a retried
   * invocation) never downgrades a request that has progressed. Resolves with the ids still
   * waiting for a string (new, or recorded before and still REQUESTED): the ones to send.
   */
  recordRequested(requests: readonly RecordedRequest[]): Promise<string[]>;
  /**
   * Stores the value received for a request. Idempotent: a second delivery of the same value
   * succeeds with `firstTime: false` and the original `storedAt`.
   */
  storeValue(
    requestId: string,
    value: string,
    at: string,
  ): Promise<{ firstTime: boolean; storedAt: string }>;
}

/** A request could not be recorded after every retry. */
export class RecordFailedError extends Error {
  override readonly name = 'RecordFailedError';
  constructor(
    readonly requestId: string,
    override readonly cause: unknown,
  ) {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`request ${requestId} not recorded: ${detail}`);
  }
}

/** Requests table on DynamoDB. */
export function dynamoRequestsStore(
  client: DynamoDBClient,
  tableName: string,
  retry: RetryPolicy = defaultRetry,
): RequestsStore {
  return {
    async recordRequested(requests) {
      // One conditional PutItem per request instead of BatchWriteItem, which takes no
      // conditions: each is billed the same write unit, and a failed condition (1 WRU, only on
      // a retry) tells us the request exists and how far it got.
      const pending = await mapLimit(requests, RECORD_CONCURRENCY, async (request) => {
        const status = await putIfNew(client, tableName, request, retry);
        return status === Status.Requested ? request.requestId : undefined;
      });
      return pending.filter((id): id is string => id !== undefined);
    },

    async storeValue(requestId, value, at) {
      try {
        const output = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { requestId: { S: requestId } },
            UpdateExpression:
              'SET #value = :value, #status = :stored, storedAt = if_not_exists(storedAt, :at)',
            ConditionExpression:
              'attribute_exists(requestId) AND (attribute_not_exists(#value) OR #value = :value)',
            ExpressionAttributeNames: { '#value': 'value', '#status': 'status' },
            ExpressionAttributeValues: {
              ':value': { S: value },
              ':stored': { S: Status.Stored },
              ':at': { S: at },
            },
            ReturnValues: 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        const before = output.Attributes;
        const firstTime = before?.status?.S !== Status.Stored;
        return { firstTime, storedAt: (!firstTime && before?.storedAt?.S) || at };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const existing = await existingAfterConditionFailure(client, tableName, requestId, error);
        if (!existing) throw new UnknownRequestError(requestId);
        throw new ConflictError(requestId, 'a different value is already stored');
      }
    },
  };
}

/** Errors DynamoDB answers when it sheds load; worth another try after a pause. */
const THROTTLES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
]);

/**
 * Puts a REQUESTED item unless one exists; resolves with the status the request now has.
 * Throttles are retried with backoff beyond the SDK's own attempts.
 */
async function putIfNew(
  client: DynamoDBClient,
  tableName: string,
  request: RecordedRequest,
  retry: RetryPolicy,
): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: toItem({ ...request, status: Status.Requested }),
          ConditionExpression: 'attribute_not_exists(requestId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return Status.Requested;
    } catch (error) {
      if (isConditionFailure(error)) {
        const existing = await existingAfterConditionFailure(
          client,
          tableName,
          request.requestId,
          error,
        );
        return existing?.status;
      }
      const name = (error as { name?: unknown } | null)?.name;
      if (typeof name !== 'string' || !THROTTLES.has(name) || attempt >= retry.maxAttempts) {
        throw new RecordFailedError(request.requestId, error);
      }
      await retry.sleep(backoffMs(retry, attempt));
    }
  }
}
