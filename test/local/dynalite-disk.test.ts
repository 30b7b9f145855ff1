/**
 * dynalite's on-disk store as the local cloud loads it (`--data`, and `npm start`'s tables): a
 * table's description is read from LevelDB once and then kept, and every change to a table is
 * seen by the next request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DynamoDbEmulator, startDynamoDb } from '../../local/dynamodb/emulator';

/** LevelDB's store class as dynalite loads it. */
const { Level } = createRequire(createRequire(import.meta.url).resolve('dynalite'))('level') as {
  Level: { prototype: Record<string, (...args: unknown[]) => unknown> };
};

const dir = mkdtempSync(join(tmpdir(), 'dynalite-disk-'));
let dynamo: DynamoDbEmulator;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynamoDb({ dataDir: dir });
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Creates `name` keyed by `key` (a string), on demand, and waits until it is ACTIVE: as on
 * DynamoDB, a table still CREATING refuses items, and dynalite makes it ACTIVE just after it
 * answers.
 */
async function createTable(name: string, key: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let tries = 0; tries < 1_000; tries += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return;
  }
  throw new Error(`${name} did not become ACTIVE`);
}

const put = (table: string, item: Record<string, string>) =>
  client.send(
    new PutItemCommand({
      TableName: table,
      Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, { S: v }])),
    }),
  );

describe("dynalite's on-disk store", () => {
  it('reads a table description from LevelDB once, however many items go in', async () => {
    await createTable('Busy', 'pk');
    const get = vi.spyOn(Level.prototype, '_get');
    try {
      for (let i = 0; i < 20; i += 1) await put('Busy', { pk: `item-${i}` });
      // At most one read: the first put's, if the DescribeTable that saw the table ACTIVE
      // overlapped the write that made it so, whose result is then not kept.
      const tableReads = get.mock.calls.filter(([key]) => String(key).startsWith('table~'));
      expect(tableReads.length).toBeLessThanOrEqual(1);
    } finally {
      get.mockRestore();
    }
  });

  it('sees a table updated, deleted and created again with another key at the next request', async () => {
    await createTable('Changing', 'pk');
    await put('Changing', { pk: 'a' });
    await client.send(
      new UpdateTableCommand({
        TableName: 'Changing',
        BillingMode: 'PROVISIONED',
        ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 },
      }),
    );
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'Changing' }));
    expect(Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 3 });

    await client.send(new DeleteTableCommand({ TableName: 'Changing' }));
    await expect(put('Changing', { pk: 'b' })).rejects.toThrow(/Requested resource not found/);

    await createTable('Changing', 'id');
    await put('Changing', { id: 'c' });
    await expect(put('Changing', { pk: 'd' })).rejects.toThrow(/key/i);
  });
});
