/**
 * dynalite's in-memory tables as the local cloud loads them: keys and items kept as strings (a
 * third of the memory Buffers took), with DynamoDB's order of keys unchanged.
 */
import { createRequire } from 'node:module';
import {
  CreateTableCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DynamoFixture, startDynamoFixture } from './dynamo-fixture';

/** memory-level as dynalite loads it. */
const { MemoryLevel } = createRequire(createRequire(import.meta.url).resolve('dynalite'))(
  'memory-level',
) as { MemoryLevel: { prototype: Record<string, (...args: unknown[]) => unknown> } };

let dynamo: DynamoFixture;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynamoFixture();
  client = dynamo.client;
  for (const [TableName, type] of [
    ['ByNumber', 'N'],
    ['ByString', 'S'],
    ['ByBinary', 'B'],
  ] as const) {
    await client.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: type },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
});

afterAll(async () => {
  await dynamo?.stop();
});

describe("dynalite's in-memory store", () => {
  it('keeps keys and items as strings, not Buffers', async () => {
    const put = vi.spyOn(MemoryLevel.prototype, '_put');
    const batch = vi.spyOn(MemoryLevel.prototype, '_batch');
    try {
      await client.send(
        new PutItemCommand({
          TableName: 'ByString',
          Item: { pk: { S: 'p' }, sk: { S: 'stored' }, value: { S: 'ünïcödé 😀' } },
        }),
      );
      const stored = [
        ...put.mock.calls.map(([key, value]) => [key, value]),
        ...batch.mock.calls.flatMap(([operations]) =>
          (operations as { key: unknown; value?: unknown }[]).map((op) => [op.key, op.value]),
        ),
      ];
      expect(stored.length).toBeGreaterThan(0);
      for (const [key, value] of stored) {
        expect(typeof key).toBe('string');
        if (value !== undefined) expect(typeof value).toBe('string');
      }
    } finally {
      put.mockRestore();
      batch.mockRestore();
    }
  });

  /** Puts each sort key under one partition, in the order given, and queries them back. */
  async function sortedBack(
    table: string,
    type: 'N' | 'S' | 'B',
    values: readonly (string | Uint8Array)[],
  ): Promise<unknown[]> {
    for (const value of values) {
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: 'order' }, sk: { [type]: value } as never },
        }),
      );
    }
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'order' } },
      }),
    );
    return Items.map((item) => Object.values(item.sk ?? {})[0]);
  }

  it('returns numeric sort keys in numeric order', async () => {
    expect(await sortedBack('ByNumber', 'N', ['10', '-2.5', '0', '9', '-100', '1e3'])).toEqual([
      '-100',
      '-2.5',
      '0',
      '9',
      '10',
      '1000',
    ]);
  });

  it('returns string sort keys in UTF-8 byte order, as DynamoDB does', async () => {
    // UTF-16 order would put the emoji (D83D DE00) before U+FFFD; in UTF-8 it comes after
    // (F0 9F 98 80 against EF BF BD).
    const keys = ['b', 'a', 'é', '\ufffd', '😀', 'Z'];
    expect(await sortedBack('ByString', 'S', keys)).toEqual(['Z', 'a', 'b', 'é', '\ufffd', '😀']);
  });

  it('returns binary sort keys in byte order', async () => {
    const keys = [[0xff], [0x00, 0x01], [0x7f], [0x80, 0x00]].map((bytes) =>
      Uint8Array.from(bytes),
    );
    const back = (await sortedBack('ByBinary', 'B', keys)) as Uint8Array[];
    expect(back.map((bytes) => [...bytes])).toEqual([[0x00, 0x01], [0x7f], [0x80, 0x00], [0xff]]);
  });
});
