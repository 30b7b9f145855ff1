import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { Output, QUEUES, queueOutputs, Status } from '../../functions/shared/contract';
import { reconcile } from '../../ops/reconcile';

const dynamoMock = mockClient(DynamoDBClient);
const sqsMock = mockClient(SQSClient);
afterEach(() => {
  dynamoMock.reset();
  sqsMock.reset();
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

const run = (expected?: string[]) =>
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

    const asked = await run(['01A']);
    expect(asked).toMatchObject({ complete: 1, incomplete: [], unexpected: ['01Y', '01Z'] });

    // Without the ids a run asked for, every item counts.
    const all = await run();
    expect(all.unexpected).toEqual([]);
    expect(all.incomplete.map((i) => i.requestId)).toEqual(['01Y', '01Z']);
  });
});
