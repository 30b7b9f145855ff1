/** The console's tables: pages of items, optionally of one status. */
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { Output } from '../contract/contract';
import { requireOutput } from '../ops/target';
import { type ConsoleContext, ConsoleRequestError } from './context';

/** A page of a table's items. */
export interface TablePage {
  readonly table: string;
  readonly items: Record<string, unknown>[];
  /** Pass back as `start` for the next page; absent on the last page. */
  readonly next?: string;
  /** Items DynamoDB read for this page (a status filter applies after the read). */
  readonly scanned: number;
}

/** Items a filtered page reads per scan call. */
const FILTERED_SCAN_PAGE = 500;
/** Items a filtered page reads at most before it answers with what it found. */
const MAX_FILTERED_READ = 10_000;
/** Both tables' partition key, the whole of their key. */
const TABLE_KEY = 'requestId';

/** Both tables, a page at a time: DynamoDB's own paging, never a full scan per request. */
export class Tables {
  constructor(private readonly ctx: ConsoleContext) {}

  /**
   * One page of a table: `limit` items, or with `status` the next `limit` items in that status.
   * DynamoDB filters after it reads, so a filtered page reads on, a scan page at a time, until it
   * has `limit` matches, the table ends, or it has read {@link MAX_FILTERED_READ} items (then the
   * page is short and `next` goes on from where it stopped).
   */
  async page(
    which: string,
    options: { status?: string; limit?: number; start?: string },
  ): Promise<TablePage> {
    const table = this.name(which);
    const limit = Math.min(Math.max(options.limit ?? 25, 1), 100);
    let startKey = options.start ? readPageToken(options.start) : undefined;
    const items: Record<string, AttributeValue>[] = [];
    let scanned = 0;
    do {
      const page = await this.scan(table, {
        limit: options.status ? FILTERED_SCAN_PAGE : limit,
        startKey,
        status: options.status,
      });
      scanned += page.ScannedCount ?? 0;
      startKey = page.LastEvaluatedKey;
      for (const item of page.Items ?? []) {
        if (items.length === limit) {
          // More matches than the page shows: the next page starts after the last one shown.
          startKey = { [TABLE_KEY]: items[limit - 1]?.[TABLE_KEY] ?? { S: '' } };
          break;
        }
        items.push(item);
      }
    } while (options.status && items.length < limit && startKey && scanned < MAX_FILTERED_READ);
    return {
      table,
      items: items.map(plain),
      scanned,
      ...(startKey ? { next: Buffer.from(JSON.stringify(startKey)).toString('base64url') } : {}),
    };
  }

  private scan(
    table: string,
    options: { limit: number; startKey?: Record<string, AttributeValue>; status?: string },
  ) {
    return this.ctx.call(`Scan of ${table}`, () =>
      this.ctx.dynamodb.send(
        new ScanCommand({
          TableName: table,
          Limit: options.limit,
          ExclusiveStartKey: options.startKey,
          ...(options.status
            ? {
                FilterExpression: '#status = :status',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':status': { S: options.status } },
              }
            : {}),
        }),
      ),
    );
  }

  /** A table's name from the console's name for it (`requests`, `strings`). */
  name(which: string): string {
    if (which === 'requests') return requireOutput(this.ctx.target, Output.RequestsTableName);
    if (which === 'strings') return requireOutput(this.ctx.target, Output.StringsTableName);
    throw new ConsoleRequestError(`No table ${which}: the stack has requests and strings`, 404);
  }
}

/** A page token back as the key to start after, or a 400 for one this console did not give. */
function readPageToken(token: string): Record<string, AttributeValue> {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new ConsoleRequestError('The page token is not one this console gave out', 400);
  }
}

/** A DynamoDB item as plain JSON (strings, numbers, booleans, lists, maps). */
export function plain(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plainValue(v)]));
}

function plainValue(v: AttributeValue): unknown {
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return Number(v.N);
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.NULL) return null;
  if (v.L) return v.L.map(plainValue);
  if (v.M) return plain(v.M);
  if (v.SS) return v.SS;
  if (v.NS) return v.NS.map(Number);
  return '(binary)';
}
