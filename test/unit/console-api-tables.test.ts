/**
 * The console's table pages, apart from the queues because paging a filtered DynamoDB scan has
 * its own pitfalls (a filter applies after the read, so one scan page may hold few matches).
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ConsoleApi } from '../../console/api';
import { dynamodb, target, useConsoleMocks } from './console-api-fixtures';

useConsoleMocks();

describe('console API', () => {
  it('reads one page of a table, and hands back a token for the next', async () => {
    dynamodb.on(ScanCommand).resolves({
      Items: [{ requestId: { S: 'a' }, status: { S: 'STORED' } }],
      ScannedCount: 1,
      LastEvaluatedKey: { requestId: { S: 'a' } },
    });
    const api = new ConsoleApi(target('local'));
    const first = await api.table('requests', { limit: 1 });
    expect(first.items).toEqual([{ requestId: 'a', status: 'STORED' }]);
    expect(dynamodb.commandCalls(ScanCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'Requests',
      Limit: 1,
    });
    await api.table('requests', { start: first.next });
    expect(dynamodb.commandCalls(ScanCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
      requestId: { S: 'a' },
    });
  });

  it('fills a filtered page across as many scan pages as it takes, not just the first', async () => {
    const item = (id: string, status: string) => ({ requestId: { S: id }, status: { S: status } });
    // DynamoDB filters after it reads: each scan page holds one match among many items read.
    dynamodb
      .on(ScanCommand)
      .resolvesOnce({
        Items: [item('a', 'STORED')],
        ScannedCount: 500,
        LastEvaluatedKey: { requestId: { S: 'k1' } },
      })
      .resolvesOnce({
        Items: [item('b', 'STORED')],
        ScannedCount: 500,
        LastEvaluatedKey: { requestId: { S: 'k2' } },
      })
      .resolvesOnce({
        Items: [item('c', 'STORED'), item('d', 'STORED')],
        ScannedCount: 500,
        LastEvaluatedKey: { requestId: { S: 'k3' } },
      });
    const api = new ConsoleApi(target('local'));
    const page = await api.table('requests', { status: 'STORED', limit: 3 });
    expect(page.items.map((i) => i.requestId)).toEqual(['a', 'b', 'c']);
    expect(page.scanned).toBe(1500);
    const calls = dynamodb.commandCalls(ScanCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({
      FilterExpression: '#status = :status',
      ExpressionAttributeValues: { ':status': { S: 'STORED' } },
    });
    expect(calls[2]?.ExclusiveStartKey).toEqual({ requestId: { S: 'k2' } });
    // The next page starts after the last item shown, not after the last item read.
    dynamodb.on(ScanCommand).resolves({ Items: [] });
    await api.table('requests', { status: 'STORED', limit: 3, start: page.next });
    expect(dynamodb.commandCalls(ScanCommand)[3]?.args[0].input.ExclusiveStartKey).toEqual({
      requestId: { S: 'c' },
    });
  });
});
