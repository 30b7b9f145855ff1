/**
 * Per-function invocation statistics over the last minutes, computed from the platform lines each
 * invocation writes to its log group (a `REPORT RequestId: … Duration: … ms` line, or a
 * `platform.report` record with the JSON log format; and the runtime's `Invoke Error` record), read with CloudWatch Logs FilterLogEvents: the local cloud writes them
 * as Lambda does, so the same code works against AWS. Reads are incremental: each refresh asks
 * only for events after the last one seen (a few pages at most, the rest on the next refresh).
 */
import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { logGroupOf } from '../ops/functions';
import { parsePlatformReport } from '../ops/log-format';
import { type ConsoleContext, upstream } from './context';

/** A function's invocations over the window. */
export interface InvocationStats {
  readonly windowMinutes: number;
  /** REPORT lines in the window: every invocation that ran, failed or not. */
  readonly invocations: number;
  /**
   * Invocations that failed as a whole: REPORT says `Status: error` or `timeout`, or the runtime
   * logged an `Invoke Error` for the request id. (A batch item the handler reports as failed is
   * not an error, as on Lambda.)
   */
  readonly errors: number;
  /** Errors in the last 60 s: what the template's one-minute error alarms count. */
  readonly errorsLastMinute: number;
  /**
   * Throttled invocations; absent where the logs cannot tell (a throttled invocation never runs,
   * so it writes no line: on AWS it is only the CloudWatch metric Throttles).
   */
  readonly throttles?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
}

/** How the page explains the throttle figure, per target kind. */
export const THROTTLES_NOTE = {
  local:
    'The local cloud runs every invocation it is given (no reserved or account concurrency to run out of; the event source mappings cap their own concurrency by polling less, which Lambda does not count as a throttle either), so it never throttles.',
  other:
    'A throttled invocation never runs and writes no log line; the count is the CloudWatch metric Throttles, which the console does not read.',
} as const;

export const WINDOW_MINUTES = 5;
const WINDOW_MS = WINDOW_MINUTES * 60_000;
/** Pages of up to 1,000 events read per pattern and refresh; the rest waits for the next one. */
const MAX_PAGES = 3;
/** CloudWatch may ingest an event late: each read starts this far before the newest seen. */
const OVERLAP_MS = 5000;
/** Statistics are recomputed at most this often, whatever the polling rate. */
const MIN_REFRESH_MS = 2000;

interface Cursor {
  startTime: number;
  nextToken?: string;
  newest: number;
  /** Event ids already counted, with their times, so overlapping reads count each once. */
  readonly seen: Map<string, number>;
}

/** A text REPORT line or a platform.report record (LogFormat JSON), as CloudWatch filters go. */
const REPORTS = '?"REPORT RequestId" ?"platform.report"';
const ERROR_REQUEST_ID = [/"requestId"\s*:\s*"([^"]+)"/, /^\S+\t(\S+)\tERROR\tInvoke Error/];

/** One function's window of invocations, fed from its log group. */
class FunctionWindow {
  private readonly invocations = new Map<
    string,
    { at: number; durationMs: number; failed: boolean }
  >();
  private readonly failedIds = new Map<string, number>();
  private readonly reports: Cursor;
  private readonly errors: Cursor;

  constructor(
    private readonly ctx: ConsoleContext,
    private readonly functionName: string,
  ) {
    const start = ctx.now() - WINDOW_MS;
    this.reports = { startTime: start, newest: start, seen: new Map() };
    this.errors = { startTime: start, newest: start, seen: new Map() };
  }

  async refresh(): Promise<InvocationStats> {
    const windowStart = this.ctx.now() - WINDOW_MS;
    await Promise.all([
      this.read(REPORTS, this.reports, windowStart, (e) => {
        const report = parsePlatformReport(e.message ?? '');
        if (!report?.requestId) return;
        this.invocations.set(report.requestId, {
          at: e.timestamp ?? 0,
          durationMs: report.durationMs,
          failed: report.status === 'error' || report.status === 'timeout',
        });
      }),
      this.read('"Invoke Error"', this.errors, windowStart, (e) => {
        const message = e.message ?? '';
        for (const pattern of ERROR_REQUEST_ID) {
          const id = pattern.exec(message)?.[1];
          if (id) {
            this.failedIds.set(id, e.timestamp ?? 0);
            break;
          }
        }
      }),
    ]);
    for (const [id, record] of this.invocations) {
      if (record.at < windowStart) this.invocations.delete(id);
    }
    for (const [id, at] of this.failedIds) if (at < windowStart) this.failedIds.delete(id);
    const durations = [...this.invocations.values()].map((r) => r.durationMs).sort((a, b) => a - b);
    let errors = 0;
    let errorsLastMinute = 0;
    const minuteAgo = this.ctx.now() - 60_000;
    for (const [id, r] of this.invocations) {
      if (!r.failed && !this.failedIds.has(id)) continue;
      errors++;
      if (r.at >= minuteAgo) errorsLastMinute++;
    }
    return {
      windowMinutes: WINDOW_MINUTES,
      invocations: durations.length,
      errors,
      errorsLastMinute,
      ...(this.ctx.target.kind === 'local' ? { throttles: 0 } : {}),
      ...(durations.length > 0
        ? { p50Ms: percentile(durations, 0.5), p99Ms: percentile(durations, 0.99) }
        : {}),
    };
  }

  private async read(
    pattern: string,
    cursor: Cursor,
    windowStart: number,
    onEvent: (e: FilteredLogEvent) => void,
  ): Promise<void> {
    const group = logGroupOf(this.ctx.target.outputs, this.functionName);
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      let page: { events?: FilteredLogEvent[]; nextToken?: string };
      try {
        page = await this.ctx.logs().send(
          new FilterLogEventsCommand({
            logGroupName: group,
            filterPattern: pattern,
            startTime: cursor.startTime,
            nextToken: cursor.nextToken,
            limit: 1000,
          }),
        );
      } catch (error) {
        // No log group yet: the function has not run (or does not log) on this target.
        if ((error as Error).name === 'ResourceNotFoundException') return;
        throw upstream(`FilterLogEvents on ${group}`, error);
      }
      for (const e of page.events ?? []) {
        const id = e.eventId ?? `${e.timestamp}/${e.message}`;
        if (cursor.seen.has(id)) continue;
        cursor.seen.set(id, e.timestamp ?? 0);
        cursor.newest = Math.max(cursor.newest, e.timestamp ?? 0);
        onEvent(e);
      }
      cursor.nextToken = page.nextToken;
      if (!cursor.nextToken) break;
    }
    if (cursor.nextToken) return;
    // Caught up: the next read starts just before the newest event seen.
    cursor.startTime = Math.max(windowStart, cursor.newest - OVERLAP_MS);
    for (const [id, at] of cursor.seen) if (at < cursor.startTime) cursor.seen.delete(id);
  }
}

/** Both functions' windows; a refresh runs at most every 2 s and callers in between share it. */
export class InvocationStatsReader {
  private readonly windows = new Map<string, FunctionWindow>();
  private last?: Promise<Record<string, InvocationStats>>;
  private lastAt = 0;
  private reading = false;

  constructor(private readonly ctx: ConsoleContext) {}

  /** Statistics per function name. */
  stats(functionNames: readonly string[]): Promise<Record<string, InvocationStats>> {
    // A read in progress is shared too: two at once would advance the same cursors.
    if (this.last && (this.reading || this.ctx.now() - this.lastAt < MIN_REFRESH_MS)) {
      return this.last;
    }
    this.lastAt = this.ctx.now();
    this.reading = true;
    const reading = Promise.all(
      functionNames.map(async (name) => {
        let window = this.windows.get(name);
        if (!window) {
          window = new FunctionWindow(this.ctx, name);
          this.windows.set(name, window);
        }
        return [name, await window.refresh()] as const;
      }),
    ).then((entries) => Object.fromEntries(entries));
    this.last = reading;
    reading.then(
      () => {
        this.reading = false;
      },
      () => {
        this.reading = false;
        this.last = undefined;
      },
    );
    return reading;
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
}
