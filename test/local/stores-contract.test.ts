/**
 * One contract for each store, run against the in-memory fakes the unit tests use and against
 * the DynamoDB stores on dynalite, so a fake cannot drift from DynamoDB's conditional writes.
 */
import { createHash } from 'node:crypto';
import { CreateTableCommand, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Status } from '../../contract/contract';
import { dynamoStringsStore, type StringsStore } from '../../functions/generator/strings-store';
import { dynamoRequestsStore, type RequestsStore } from '../../functions/requestor/requests-store';
import { fromItem, type StringItem } from '../../functions/shared/dynamo';
import { ConflictError, UnknownRequestError } from '../../functions/shared/errors';
import { newRequestId } from '../../functions/shared/ids';
import { FakeRequestsStore, FakeStringsStore, noDelay, VALUE_A, VALUE_B } from '../unit/fakes';
import { type DynamoFixture, startDynamoFixture } from './dynamo-fixture';

const REQUESTS_TABLE = 'Requests';
const STRINGS_TABLE = 'Strings';
const T1 = '2026-11-24T12:00:00.000Z';
const T2 = '2026-11-24T12:05:00.000Z';

/** A store under test, and a way to read the item it keeps for a request. */
interface Subject<S> {
  readonly store: S;
  /** The item as string attributes, or undefined if there is none. */
  peek(requestId: string): Promise<StringItem | undefined>;
}

interface Implementation<S> {
  readonly name: string;
  create(): Subject<S>;
}

let dynamo: DynamoFixture;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynamoFixture();
  client = dynamo.client;
  // As the stack defines both tables: partition key requestId (string), on-demand.
  for (const TableName of [REQUESTS_TABLE, STRINGS_TABLE]) {
    await client.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'requestId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
});

afterAll(async () => {
  await dynamo?.stop();
});

/** Reads an item the way a test would inspect the table: consistently, all attributes. */
async function getItem(tableName: string, requestId: string): Promise<StringItem | undefined> {
  const output = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { requestId: { S: requestId } },
      ConsistentRead: true,
    }),
  );
  return fromItem(output.Item);
}

/** A fake's item as DynamoDB would return it: string attributes only, no undefined ones. */
function asStrings(item: object | undefined): StringItem | undefined {
  if (!item) return undefined;
  return Object.fromEntries(
    Object.entries(item).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

const requestsStores: Implementation<RequestsStore>[] = [
  {
    name: 'the in-memory fake',
    create: () => {
      const store = new FakeRequestsStore();
      return { store, peek: async (id) => asStrings(store.items.get(id)) };
    },
  },
  {
    name: 'DynamoDB (dynalite)',
    create: () => ({
      store: dynamoRequestsStore(client, REQUESTS_TABLE, noDelay),
      peek: (id) => getItem(REQUESTS_TABLE, id),
    }),
  },
];

const stringsStores: Implementation<StringsStore>[] = [
  {
    name: 'the in-memory fake',
    create: () => {
      const store = new FakeStringsStore();
      return { store, peek: async (id) => asStrings(store.items.get(id)) };
    },
  },
  {
    name: 'DynamoDB (dynalite)',
    create: () => ({
      store: dynamoStringsStore(client, STRINGS_TABLE),
      peek: (id) => getItem(STRINGS_TABLE, id),
    }),
  },
];

describe.each(requestsStores)('RequestsStore contract: $name', (implementation) => {
  let s: Subject<RequestsStore>;
  // Each test has its own request ids, so tests sharing one table do not see each other.
  let id: string;
  beforeEach(() => {
    s = implementation.create();
    id = newRequestId();
  });

  it('records a request as REQUESTED', async () => {
    await s.store.recordRequested([{ requestId: id, requestedAt: T1 }]);

    expect(await s.peek(id)).toEqual({ requestId: id, requestedAt: T1, status: Status.Requested });
  });

  it('records more requests than one batch write takes', async () => {
    const ids = Array.from({ length: 30 }, () => newRequestId());

    await s.store.recordRequested(ids.map((requestId) => ({ requestId, requestedAt: T1 })));

    const items = await Promise.all(ids.map((requestId) => s.peek(requestId)));
    expect(items.map((item) => item?.status)).toEqual(ids.map(() => Status.Requested));
  });

  it('says which requests still wait for a string: new ones and ones recorded but unanswered', async () => {
    const answered = newRequestId();
    await s.store.recordRequested([{ requestId: answered, requestedAt: T1 }]);
    await s.store.storeValue(answered, VALUE_A, T1);
    await s.store.recordRequested([{ requestId: id, requestedAt: T1 }]);
    const fresh = newRequestId();

    const pending = await s.store.recordRequested(
      [answered, id, fresh].map((requestId) => ({ requestId, requestedAt: T2 })),
    );

    expect(pending.sort()).toEqual([id, fresh].sort());
  });

  it('never downgrades a STORED request when it is recorded again (a retried invocation)', async () => {
    await s.store.recordRequested([{ requestId: id, requestedAt: T1 }]);
    await s.store.storeValue(id, VALUE_A, T2);

    await s.store.recordRequested([{ requestId: id, requestedAt: T2 }]);

    expect(await s.peek(id)).toEqual({
      requestId: id,
      requestedAt: T1,
      status: Status.Stored,
      value: VALUE_A,
      storedAt: T2,
    });
  });

  it('stores the first value received, with the time it was stored', async () => {
    await s.store.recordRequested([{ requestId: id, requestedAt: T1 }]);

    expect(await s.store.storeValue(id, VALUE_A, T2)).toEqual({ firstTime: true, storedAt: T2 });
    expect(await s.peek(id)).toEqual({
      requestId: id,
      requestedAt: T1,
      status: Status.Stored,
      value: VALUE_A,
      storedAt: T2,
    });
  });

  it('accepts the same value again as a duplicate, keeping the first storedAt', async () => {
    await s.store.recordRequested([{ requestId: id, requestedAt: T1 }]);
    await s.store.storeValue(id, VALUE_A, T1);

    expect(await s.store.storeValue(id, VALUE_A, T2)).toEqual({ firstTime: false, storedAt: T1 });
    expect(await s.peek(id)).toMatchObject({ value: VALUE_A, storedAt: T1 });
  });

  it('refuses a different value with ConflictError and keeps the first', async () => {
    await s.store.recordRequested([{ requestId: id, requestedAt: T1 }]);
    await s.store.storeValue(id, VALUE_A, T1);

    await expect(s.store.storeValue(id, VALUE_B, T2)).rejects.toBeInstanceOf(ConflictError);
    expect(await s.peek(id)).toMatchObject({ value: VALUE_A, storedAt: T1 });
  });

  it('refuses a value for an unknown request with UnknownRequestError, creating nothing', async () => {
    await expect(s.store.storeValue(id, VALUE_A, T1)).rejects.toBeInstanceOf(UnknownRequestError);
    expect(await s.peek(id)).toBeUndefined();
  });
});

describe.each(stringsStores)('StringsStore contract: $name', (implementation) => {
  let s: Subject<StringsStore>;
  let id: string;
  beforeEach(() => {
    s = implementation.create();
    id = newRequestId();
  });

  const generated = (requestId: string, value = VALUE_A, generatedAt = T1) => ({
    requestId,
    value,
    generatedAt,
  });

  it('records a new string as GENERATED', async () => {
    expect(await s.store.recordGenerated(generated(id))).toEqual({
      stored: generated(id),
      created: true,
    });
    expect(await s.peek(id)).toEqual({ ...generated(id), status: Status.Generated });
  });

  it('returns the original string, and only it, for a request seen before', async () => {
    await s.store.recordGenerated(generated(id));

    expect(await s.store.recordGenerated(generated(id, VALUE_B, T2))).toEqual({
      stored: generated(id),
      created: false,
    });
    expect(await s.peek(id)).toEqual({ ...generated(id), status: Status.Generated });
  });

  it('returns the original string after it was acknowledged, leaving it acknowledged', async () => {
    await s.store.recordGenerated(generated(id));
    await s.store.markAcknowledged(id, T2, VALUE_A);

    expect(await s.store.recordGenerated(generated(id, VALUE_B, T2))).toEqual({
      stored: generated(id),
      created: false,
    });
    expect(await s.peek(id)).toMatchObject({ status: Status.Acknowledged });
  });

  it('marks the first ack, with its time', async () => {
    await s.store.recordGenerated(generated(id));

    expect(await s.store.markAcknowledged(id, T2, VALUE_A)).toEqual({ firstTime: true });
    expect(await s.peek(id)).toEqual({
      ...generated(id),
      status: Status.Acknowledged,
      acknowledgedAt: T2,
    });
  });

  it('tells a duplicate ack apart and keeps the first ack time', async () => {
    await s.store.recordGenerated(generated(id));
    await s.store.markAcknowledged(id, T1, VALUE_A);

    expect(await s.store.markAcknowledged(id, T2, VALUE_A)).toEqual({ firstTime: false });
    expect(await s.peek(id)).toMatchObject({ acknowledgedAt: T1 });
  });

  it('refuses an ack for an unknown request with UnknownRequestError, creating nothing', async () => {
    await expect(s.store.markAcknowledged(id, T1, VALUE_A)).rejects.toBeInstanceOf(
      UnknownRequestError,
    );
    expect(await s.peek(id)).toBeUndefined();
  });

  it('refuses an ack naming another value with ConflictError, naming both hashes, and leaves the string unacknowledged', async () => {
    await s.store.recordGenerated(generated(id));

    const error = await s.store.markAcknowledged(id, T2, VALUE_B).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toContain(`sha256:${sha256(VALUE_A)}`);
    expect((error as Error).message).toContain(`sha256:${sha256(VALUE_B)}`);
    expect((error as Error).message).not.toContain(VALUE_A);
    expect(await s.peek(id)).toEqual({ ...generated(id), status: Status.Generated });
  });

  it('marks a legacy ack (no value) as before', async () => {
    await s.store.recordGenerated(generated(id));

    expect(await s.store.markAcknowledged(id, T2, undefined)).toEqual({ firstTime: true });
    expect(await s.peek(id)).toMatchObject({ status: Status.Acknowledged });
  });
});

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
