/**
 * The console's tables: pages of items (DynamoDB's own paging, never a full scan per refresh) and
 * the counts by stage, from a scan that runs at most every few seconds whatever the polling rate.
 */
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { Output, Status } from '../contract/contract';
import { countByStatus } from '../ops/reconcile';
import { requireOutput } from '../ops/target';
import { type ConsoleContext, ConsoleRequestError } from './context';

/** Items per status, with when they were counted. */
export interface StageCounts {
  readonly requested: number;
  readonly generated: number;
  readonly stored: number;
  readonly acknowledged: number;
  readonly deadLettered: number;
  /** ISO time of the table count these come from (counts are refreshed at most every few seconds). */
  readonly countedAt: string;
}

/** A page of a table's items. */
export interface TablePage {
  readonly table: string;
  readonly items: Record<string, unknown>[];
  /** Pass back as `start` for the next page; absent on the last page. */
  readonly next?: string;
  /** Items DynamoDB read for this page (the filter applies after the read). */
  readonly scanned: number;
}

const RATE_SAMPLES = 60;
/** Table counts are a scan; this bounds how often one runs, whatever the polling rate. */
const MIN_COUNT_INTERVAL_MS = 2000;
/**
 * A count waits this many times the last count's duration: the scan shares the local cloud's main
 * thread with the emulators, so this keeps it to a twentieth of that thread while a run fills the
 * tables (a shorter wait slowed a run down with the page open).
 */
const COUNT_BACKOFF = 20;

/**
 * Both tables. Counts are cached, and refreshed no more often than every 2 s or twenty times the
 * last count's duration, whichever is longer, so polling stays cheap while a run fills the tables.
 */
export class Tables {
  private counts?: Promise<Omit<StageCounts, 'deadLettered'>>;
  private countsUntil = 0;
  private readonly rate: { at: number; acknowledged: number }[] = [];

  constructor(private readonly ctx: ConsoleContext) {}

  /** One page of a table, optionally only items with `status` (a filter, applied after the read). */
  async page(
    which: string,
    options: { status?: string; limit?: number; start?: string },
  ): Promise<TablePage> {
    const table = this.name(which);
    const limit = Math.min(Math.max(options.limit ?? 25, 1), 100);
    let startKey: Record<string, AttributeValue> | undefined;
    if (options.start) {
      try {
        startKey = JSON.parse(Buffer.from(options.start, 'base64url').toString('utf8'));
      } catch {
        throw new ConsoleRequestError('The page token is not one this console gave out', 400);
      }
    }
    const {
      Items = [],
      LastEvaluatedKey,
      ScannedCount = 0,
    } = await this.ctx.call(`Scan of ${table}`, () =>
      this.ctx.dynamodb.send(
        new ScanCommand({
          TableName: table,
          Limit: limit,
          ExclusiveStartKey: startKey,
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
    return {
      table,
      items: Items.map(plain),
      scanned: ScannedCount,
      ...(LastEvaluatedKey
        ? { next: Buffer.from(JSON.stringify(LastEvaluatedKey)).toString('base64url') }
        : {}),
    };
  }

  /** A table's name from the console's name for it (`requests`, `strings`). */
  name(which: string): string {
    if (which === 'requests') return requireOutput(this.ctx.target, Output.RequestsTableName);
    if (which === 'strings') return requireOutput(this.ctx.target, Output.StringsTableName);
    throw new ConsoleRequestError(`No table ${which}: the stack has requests and strings`, 404);
  }

  /** Counts by status from both tables, cached (see the class comment). */
  stageCounts(): Promise<Omit<StageCounts, 'deadLettered'>> {
    if (this.counts && this.ctx.now() < this.countsUntil) return this.counts;
    const started = this.ctx.now();
    // Until this count finishes, callers share it instead of starting another.
    this.countsUntil = Number.POSITIVE_INFINITY;
    const counting = (async () => {
      const [requests, strings] = await Promise.all([
        this.ctx.call('Scan of the Requests table', () =>
          countByStatus(this.ctx.dynamodb, this.name('requests')),
        ),
        this.ctx.call('Scan of the Strings table', () =>
          countByStatus(this.ctx.dynamodb, this.name('strings')),
        ),
      ]);
      const total = (counts: Record<string, number>) =>
        Object.values(counts).reduce((sum, n) => sum + n, 0);
      const counts = {
        requested: total(requests),
        generated: total(strings),
        stored: requests[Status.Stored] ?? 0,
        acknowledged: strings[Status.Acknowledged] ?? 0,
        countedAt: new Date(this.ctx.now()).toISOString(),
      };
      this.rate.push({ at: this.ctx.now(), acknowledged: counts.acknowledged });
      if (this.rate.length > RATE_SAMPLES + 1) this.rate.shift();
      return counts;
    })();
    this.counts = counting;
    counting.then(
      () => {
        this.countsUntil =
          this.ctx.now() +
          Math.max(MIN_COUNT_INTERVAL_MS, COUNT_BACKOFF * (this.ctx.now() - started));
      },
      () => {
        // A failed count is not cached: the next poll tries again.
        this.counts = undefined;
        this.countsUntil = 0;
      },
    );
    return counting;
  }

  /** Round trips completed per second between the counts, oldest first. */
  rateSeries(): { at: string; value: number }[] {
    const series: { at: string; value: number }[] = [];
    for (let i = 1; i < this.rate.length; i++) {
      const a = this.rate[i - 1];
      const b = this.rate[i];
      if (!a || !b || b.at <= a.at) continue;
      const value = Math.max(0, ((b.acknowledged - a.acknowledged) * 1000) / (b.at - a.at));
      series.push({ at: new Date(b.at).toISOString(), value: Math.round(value * 10) / 10 });
    }
    return series;
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
