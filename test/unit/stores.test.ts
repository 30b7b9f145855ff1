import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Status } from '../../contract/contract';
import { dynamoStringsStore } from '../../functions/generator/strings-store';
import {
  dynamoRequestsStore,
  RECORD_CONCURRENCY,
  RecordFailedError,
} from '../../functions/requestor/requests-store';
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

    expect(await store.markAcknowledged(REQUEST_ID, 'now', VALUE_A)).toEqual({ firstTime: true });
    expect(await store.markAcknowledged(REQUEST_ID, 'now', VALUE_A)).toEqual({
      firstTime: false,
    });
    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('attribute_exists(requestId) AND #value = :value');
    expect(input?.ExpressionAttributeValues?.[':value']).toEqual({ S: VALUE_A });
    expect(input?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(input?.UpdateExpression).toContain('if_not_exists(acknowledgedAt');
  });

  it('turns an ack for an unknown request into UnknownRequestError', async () => {
    ddb.on(UpdateItemCommand).rejects(conditionFailed());
    ddb.on(GetItemCommand).resolves({});
    await expect(store.markAcknowledged(REQUEST_ID, 'now', VALUE_A)).rejects.toBeInstanceOf(
      UnknownRequestError,
    );
  });

  it('turns an ack naming another value into ConflictError from the item the write returned', async () => {
    ddb
      .on(UpdateItemCommand)
      .rejects(conditionFailed({ requestId: { S: REQUEST_ID }, value: { S: VALUE_A } }));

    await expect(store.markAcknowledged(REQUEST_ID, 'now', VALUE_B)).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(ddb.commandCalls(GetItemCommand)).toHaveLength(0);
  });
});

describe('Requests table (requestor)', () => {
  const store = dynamoRequestsStore(client, 'Requests', noDelay);

  const throttled = () =>
    Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });

  it('records each request with a conditional PutItem, so an existing one is never overwritten', async () => {
    ddb.on(PutItemCommand).resolves({});
    const requests = Array.from({ length: 30 }, (_, i) => ({
      requestId: `id-${i}`,
      requestedAt: 'now',
    }));

    expect(await store.recordRequested(requests)).toEqual(requests.map((r) => r.requestId));

    const calls = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(30);
    expect(calls[0]?.ConditionExpression).toBe('attribute_not_exists(requestId)');
    expect(calls[0]?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  it('re-sends a recorded request still REQUESTED and skips one already STORED', async () => {
    ddb
      .on(PutItemCommand, { Item: { requestId: { S: 'waiting' } } }, false)
      .rejects(conditionFailed({ requestId: { S: 'waiting' }, status: { S: Status.Requested } }))
      .on(PutItemCommand, { Item: { requestId: { S: 'answered' } } }, false)
      .rejects(conditionFailed({ requestId: { S: 'answered' }, status: { S: Status.Stored } }));

    const pending = await store.recordRequested([
      { requestId: 'waiting', requestedAt: 'now' },
      { requestId: 'answered', requestedAt: 'now' },
    ]);

    expect(pending).toEqual(['waiting']);
  });

  it('retries a throttled put, then records it', async () => {
    ddb.on(PutItemCommand).rejectsOnce(throttled()).resolves({});

    expect(await store.recordRequested([{ requestId: 'a', requestedAt: 'now' }])).toEqual(['a']);
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(2);
  });

  it('gives up with an error naming the request when puts stay throttled', async () => {
    ddb.on(PutItemCommand).rejects(throttled());

    const error = await store
      .recordRequested([{ requestId: 'a', requestedAt: 'now' }])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RecordFailedError);
    expect((error as Error).message).toMatch(/request a not recorded: .*slow down/);
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(noDelay.maxAttempts);
  });

  it(`keeps at most ${RECORD_CONCURRENCY} puts in flight`, async () => {
    let inFlight = 0;
    let most = 0;
    ddb.on(PutItemCommand).callsFake(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await Promise.resolve();
      inFlight -= 1;
      return {};
    });

    await store.recordRequested(
      Array.from({ length: 100 }, (_, i) => ({ requestId: `id-${i}`, requestedAt: 'now' })),
    );

    expect(most).toBe(RECORD_CONCURRENCY);
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
