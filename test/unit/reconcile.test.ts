import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Output, QUEUES, queueOutputs, Status } from '../../contract/contract';
import { joinTables, type RecordItem, reconcile } from '../../ops/reconcile';
import { RequestIdSet } from '../../ops/request-ids';

const dynamoMock = mockClient(DynamoDBClient);
const sqsMock = mockClient(SQSClient);
afterEach(() => {
  dynamoMock.reset();
  sqsMock.reset();
});
// The mocks replace the classes' send: the unit files run after this one in the same process
// (the project does not isolate files) need the real one back.
afterAll(() => {
  dynamoMock.restore();
  sqsMock.restore();
});

const outputs: Record<string, string> = {
  [Output.RequestsTableName]: 'requests',
  [Output.StringsTableName]: 'strings',
  ...Object.fromEntries(
    QUEUES.flatMap((q) => Object.values(queueOutputs(q)).map((key) => [key, `url-${key}`])),
  ),
};

type Row = [id: string, status: string, value?: string];
const item = ([id, status, value]: Row): Record<string, AttributeValue> => ({
  requestId: { S: id },
  status: { S: status },
  ...(value ? { value: { S: value } } : {}),
});

/** Serves each table's rows two per page, as a Scan does with LastEvaluatedKey. */
function tables(rows: { requests: Row[]; strings: Row[] }) {
  dynamoMock
    .on(ScanCommand)
    .callsFake(
      (input: {
        TableName: 'requests' | 'strings';
        ExclusiveStartKey?: Record<string, AttributeValue>;
      }) => {
        const all = rows[input.TableName];
        const from = input.ExclusiveStartKey
          ? all.findIndex(([id]) => id === input.ExclusiveStartKey?.requestId?.S) + 1
          : 0;
        const page = all.slice(from, from + 2);
        const last = page[page.length - 1];
        return {
          Items: page.map(item),
          ...(from + 2 < all.length && last
            ? { LastEvaluatedKey: { requestId: { S: last[0] } } }
            : {}),
        };
      },
    );
  sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: {} });
}

const run = (expected?: Iterable<string>) =>
  reconcile({
    sqs: new SQSClient({ region: 'us-east-1' }),
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    outputs,
    expected,
  });

describe('reconciling the two tables', () => {
  it('matches every request across pages and names the stage each incomplete one reached', async () => {
    tables({
      requests: [
        ['01A', Status.Stored, 'x'],
        ['01B', Status.Stored, 'y'],
        ['01C', Status.Requested],
        ['01D', Status.Stored, 'd'],
        ['01E', Status.Requested],
      ],
      strings: [
        ['01E', Status.Generated, 'e'],
        ['01B', Status.Acknowledged, 'other'],
        ['01A', Status.Acknowledged, 'x'],
        ['01F', Status.Acknowledged, 'f'],
      ],
    });

    const r = await run(['01A', '01B', '01C', '01D', '01E', '01F', '01G']);

    expect(r).toMatchObject({ requested: 5, stored: 3, generated: 4, acknowledged: 3 });
    expect(r.complete).toBe(1);
    expect(r.mismatched).toEqual(['01B']);
    expect(r.incomplete).toEqual([
      { requestId: '01C', stage: 'requested, not generated' },
      { requestId: '01D', stage: 'stored, not acknowledged' },
      { requestId: '01E', stage: 'generated, not stored' },
      { requestId: '01F', stage: 'acknowledged, not stored' },
      { requestId: '01G', stage: 'never recorded' },
    ]);
    expect(r.unexpected).toEqual([]);
  });

  it('counts items nobody asked for as unexpected, from either table', async () => {
    tables({
      requests: [
        ['01A', Status.Stored, 'a'],
        ['01Z', Status.Requested],
      ],
      strings: [
        ['01A', Status.Acknowledged, 'a'],
        ['01Y', Status.Generated, 'y'],
      ],
    });

    // An id asked for twice is one request.
    const asked = await run(['01A', '01A']);
    expect(asked).toMatchObject({ complete: 1, incomplete: [], unexpected: ['01Y', '01Z'] });

    // The ids as npm start hands them over, packed: the same answer, and again the second time.
    const packed = RequestIdSet.of(['01A']);
    expect(await run(packed)).toEqual(asked);
    expect(await run(packed)).toEqual(asked);

    // Without the ids a run asked for, every item counts.
    const all = await run();
    expect(all.unexpected).toEqual([]);
    expect(all.incomplete.map((i) => i.requestId)).toEqual(['01Y', '01Z']);
  });
});

describe('joining two tables page by page', () => {
  type Page = [string, RecordItem][];
  /** Pages of `size` items, counting the items read so far into `read`. */
  async function* pages(ids: string[], size: number, read: { count: number }) {
    for (let i = 0; i < ids.length; i += size) {
      const page: Page = ids.slice(i, i + size).map((id) => [id, { status: id }]);
      read.count += page.length;
      yield page;
    }
  }
  /** Joins the two id lists; returns each id's pair and the most items held at once. */
  async function join(left: string[], right: string[], size: number) {
    const leftRead = { count: 0 };
    const rightRead = { count: 0 };
    const pairs = new Map<string, [string | undefined, string | undefined]>();
    let mostHeld = 0;
    await joinTables(pages(left, size, leftRead), pages(right, size, rightRead), {
      left: () => {},
      right: () => {},
      settle: (id, l, r) => {
        expect(pairs.has(id)).toBe(false);
        pairs.set(id, [l?.status, r?.status]);
        mostHeld = Math.max(mostHeld, leftRead.count + rightRead.count - 2 * pairs.size);
      },
    });
    return { pairs, mostHeld };
  }
  const ids = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => `id${String(from + i).padStart(5, '0')}`);

  it('settles every id once, with both items where both exist, whatever the order', async () => {
    const left = [...ids(30), 'left-only'];
    const right = ['right-only', ...ids(30).reverse()];
    const { pairs } = await join(left, right, 4);
    expect(pairs.size).toBe(32);
    expect(pairs.get('id00007')).toEqual(['id00007', 'id00007']);
    expect(pairs.get('left-only')).toEqual(['left-only', undefined]);
    expect(pairs.get('right-only')).toEqual([undefined, 'right-only']);
  });

  it('holds about a page of each table when both read the ids in the same order', async () => {
    const left = ids(2_000);
    // A page waiting for its partners, and the page that brings them.
    expect((await join(left, left, 100)).mostHeld).toBeLessThanOrEqual(2 * 100);
    // Every fifth request has no string yet: the strings side runs ahead, and waits.
    const right = left.filter((_, i) => i % 5 !== 0);
    const { pairs, mostHeld } = await join(left, right, 100);
    expect(pairs.size).toBe(2_000);
    expect([...pairs.values()].filter(([, r]) => r === undefined)).toHaveLength(400);
    // The 400 without a partner wait to the end, and as many strings read ahead wait beside
    // them (the join reads the side the other waits on), plus under two pages in flight: what
    // is held grows with the requests left incomplete, not with the tables.
    expect(mostHeld).toBeLessThan(2 * 400 + 2 * 100);
    // Read one after the other, as before, the first table would be held whole.
    const { mostHeld: reversed } = await join(left, [...right].reverse(), 100);
    expect(reversed).toBeGreaterThan(1_000);
  });
});
