import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { chunk, mapLimit } from '../shared/collections';
import { Status } from '../shared/contract';
import { existingAfterConditionFailure, isConditionFailure, toItem } from '../shared/dynamo';
import { ConflictError, UnknownRequestError } from '../shared/errors';
import { backoffMs, defaultRetry, type RetryPolicy } from '../shared/retry';

/** DynamoDB's limit on items per BatchWriteItem. */
export const DYNAMO_BATCH_LIMIT = 25;

/** The requestor's persistence: what it asked for and what it received. */
export interface RequestsStore {
  /** Records new requests as REQUESTED. */
  recordRequested(requests: readonly { requestId: string; requestedAt: string }[]): Promise<void>;
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

/** The requests table is unreachable for these items after every retry. */
export class UnprocessedItemsError extends Error {
  override readonly name = 'UnprocessedItemsError';
}

/** Requests table on DynamoDB. */
export function dynamoRequestsStore(
  client: DynamoDBClient,
  tableName: string,
  retry: RetryPolicy = defaultRetry,
): RequestsStore {
  return {
    async recordRequested(requests) {
      const writes = requests.map(
        (request): WriteRequest => ({
          PutRequest: { Item: toItem({ ...request, status: Status.Requested }) },
        }),
      );
      await mapLimit(chunk(writes, DYNAMO_BATCH_LIMIT), 4, (batch) =>
        batchWrite(client, tableName, batch, retry),
      );
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

async function batchWrite(
  client: DynamoDBClient,
  tableName: string,
  writes: WriteRequest[],
  retry: RetryPolicy,
): Promise<void> {
  let pending = writes;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > retry.maxAttempts) {
      throw new UnprocessedItemsError(
        `${pending.length} item(s) still unprocessed in ${tableName} after ${retry.maxAttempts} attempts`,
      );
    }
    if (attempt > 1) await retry.sleep(backoffMs(retry, attempt - 1));
    const output = await client.send(
      new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
    );
    pending = output.UnprocessedItems?.[tableName] ?? [];
  }
}
