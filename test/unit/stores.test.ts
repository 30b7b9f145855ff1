import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoStringsStore } from '../../functions/generator/strings-store';
import {
  dynamoRequestsStore,
  UnprocessedItemsError,
} from '../../functions/requestor/requests-store';
import { Status } from '../../functions/shared/contract';
import { ConflictError, UnknownRequestError } from '../../functions/shared/errors';
import { noDelay, REQUEST_ID, VALUE_A, VALUE_B } from './fakes';

const conditionFailed = (item?: Record<string, { S: string }>) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    Item: item,
  });

const client = new DynamoDBClient({ region: 'us-east-1' });
const ddb = mockClient(client);
beforeEach(() => ddb.reset());

describe('Strings table (generator)', () => {
  const store = dynamoStringsStore(client, 'Strings');
  const record = { requestId: REQUEST_ID, value: VALUE_A, generatedAt: '2026-11-24T12:00:00.000Z' };

  it('writes a new string only if the request has no record yet', async () => {
    ddb.on(PutItemCommand).resolves({});

    expect(await store.recordGenerated(record)).toEqual({ stored: record, created: true });

    const input = ddb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('attribute_not_exists(requestId)');
    expect(input?.Item?.status).toEqual({ S: Status.Generated });
  });

  it('returns the string already recorded when the conditional write fails', async () => {
    ddb.on(PutItemCommand).rejects(
      conditionFailed({
        requestId: { S: REQUEST_ID },
        value: { S: VALUE_B },
        generatedAt: { S: 'earlier' },
      }),
    );

    const result = await store.recordGenerated(record);

    expect(result).toEqual({
      stored: { requestId: REQUEST_ID, value: VALUE_B, generatedAt: 'earlier' },
      created: false,
    });
    expect(ddb.commandCalls(GetItemCommand)).toHaveLength(0);
  });

  it('falls back to a consistent read when the service does not return the old item', async () => {
    ddb.on(PutItemCommand).rejects(conditionFailed());
    ddb.on(GetItemCommand).resolves({
      Item: { requestId: { S: REQUEST_ID }, value: { S: VALUE_B }, generatedAt: { S: 'earlier' } },
    });

    const result = await store.recordGenerated(record);

    expect(result.stored.value).toBe(VALUE_B);
    expect(ddb.commandCalls(GetItemCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
  });

  it('propagates other DynamoDB errors so the message is retried', async () => {
    ddb
      .on(PutItemCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(store.recordGenerated(record)).rejects.toThrow('slow down');
  });

  it('marks an ack conditionally and tells a duplicate apart', async () => {
    ddb
      .on(UpdateItemCommand)
      .resolvesOnce({ Attributes: { status: { S: Status.Generated } } })
      .resolvesOnce({ Attributes: { status: { S: Status.Acknowledged } } });

    expect(await store.markAcknowledged(REQUEST_ID, 'now')).toEqual({ firstTime: true });
    expect(await store.markAcknowledged(REQUEST_ID, 'now')).toEqual({ firstTime: false });
    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('attribute_exists(requestId)');
    expect(input?.UpdateExpression).toContain('if_not_exists(acknowledgedAt');
  });

  it('turns an ack for an unknown request into UnknownRequestError', async () => {
    ddb.on(UpdateItemCommand).rejects(conditionFailed());
    await expect(store.markAcknowledged(REQUEST_ID, 'now')).rejects.toBeInstanceOf(
      UnknownRequestError,
    );
  });
});

describe('Requests table (requestor)', () => {
  const store = dynamoRequestsStore(client, 'Requests', noDelay);

  it('records requests 25 per BatchWriteItem and retries unprocessed items', async () => {
    const requests = Array.from({ length: 30 }, (_, i) => ({
      requestId: `id-${i}`,
      requestedAt: 'now',
    }));
    let first = true;
    ddb.on(BatchWriteItemCommand).callsFake((input) => {
      const writes = input.RequestItems.Requests;
      if (first && writes.length === 25) {
        first = false;
        return { UnprocessedItems: { Requests: writes.slice(0, 2) } };
      }
      return { UnprocessedItems: {} };
    });

    await store.recordRequested(requests);

    const sizes = ddb
      .commandCalls(BatchWriteItemCommand)
      .map((c) => c.args[0].input.RequestItems?.Requests?.length);
    expect(sizes.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([2, 5, 25]);
  });

  it('gives up with a clear error when items stay unprocessed', async () => {
    ddb.on(BatchWriteItemCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));
    await expect(
      store.recordRequested([{ requestId: 'a', requestedAt: 'now' }]),
    ).rejects.toBeInstanceOf(UnprocessedItemsError);
    expect(ddb.commandCalls(BatchWriteItemCommand)).toHaveLength(noDelay.maxAttempts);
  });

  it('stores a value only on a known request with no other value', async () => {
    ddb.on(UpdateItemCommand).resolves({ Attributes: { status: { S: Status.Requested } } });

    expect(await store.storeValue(REQUEST_ID, VALUE_A, 'now')).toEqual({
      firstTime: true,
      storedAt: 'now',
    });

    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe(
      'attribute_exists(requestId) AND (attribute_not_exists(#value) OR #value = :value)',
    );
  });

  it('keeps the first storedAt for a duplicate response', async () => {
    ddb.on(UpdateItemCommand).resolves({
      Attributes: { status: { S: Status.Stored }, storedAt: { S: 'first' }, value: { S: VALUE_A } },
    });
    expect(await store.storeValue(REQUEST_ID, VALUE_A, 'later')).toEqual({
      firstTime: false,
      storedAt: 'first',
    });
  });

  it('tells an unknown request from a conflicting value when the condition fails', async () => {
    ddb.on(UpdateItemCommand).rejects(conditionFailed());
    ddb
      .on(GetItemCommand)
      .resolvesOnce({})
      .resolvesOnce({
        Item: { requestId: { S: REQUEST_ID }, value: { S: VALUE_A } },
      });

    await expect(store.storeValue(REQUEST_ID, VALUE_B, 'now')).rejects.toBeInstanceOf(
      UnknownRequestError,
    );
    await expect(store.storeValue(REQUEST_ID, VALUE_B, 'now')).rejects.toBeInstanceOf(
      ConflictError,
    );
  });
});
