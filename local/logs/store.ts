// The Logs service's engine: each log group's events in memory, and in a data directory when the
// cloud has one. The endpoint's CloudWatch Logs API reads it; the engine's log sink feeds it.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lockStateDir, type StateLock, StateLockedError } from '../state/lock';
import { cutGroupFile, parseGroupFile } from './file';
import { eventIdOf, type LogEvent, LogRing, sequenceOf } from './ring';

/** Events kept per log group by default; the oldest go first, as retention would drop them. */
const MAX_EVENTS_PER_GROUP = 20_000;

/** Runs a file write after the previous ones; a failed write (a removed directory) loses its lines only. */
function enqueue(file: GroupFile, step: () => Promise<void>): void {
  file.chain = file.chain.then(step).catch(() => {});
}

/**
 * A group's file: one JSON line per event (`{"t","i","m"}`), after an optional first line
 * `{"d":N}` counting the events dropped from it so far. Appends are batched per tick and written
 * in order with any rewrite.
 */
interface GroupFile {
  readonly path: string;
  /** Lines written or queued since the file was last rewritten. */
  lines: number;
  pending: string[];
  /** The file's writes, in order. */
  chain: Promise<void>;
  flushQueued: boolean;
}

/** A log group: when it was created (its oldest event's ingestion, once read back) and its events. */
export interface LogGroup {
  created: number;
  readonly events: LogRing;
}

/**
 * Function log lines, by log group (`/aws/lambda/NAME`), for the CloudWatch Logs API. Each group
 * has one stream; the engine's log sink feeds it.
 */
export class LogStore {
  private readonly groups = new Map<string, LogGroup>();

  private readonly files = new Map<string, GroupFile>();
  /** Held while this store may rewrite the directory's files; undefined: append only. */
  private lock: StateLock | undefined;

  /**
   * @param maxEventsPerGroup events kept per group; past it the oldest tenth is dropped
   * @param dir where each group is also appended to, one JSON line per event, and read back from
   *   when a later store opens the group (a cloud restarted with the same `--data`). Files are
   *   bounded too: past twice the bound, the oldest events are cut from the file, their count
   *   kept in it. Only the store holding the directory's lock (lock.json, as for a state
   *   directory) cuts; a second store on the same directory while the first lives only appends,
   *   so it never truncates what the first wrote.
   */
  constructor(
    private readonly maxEventsPerGroup = MAX_EVENTS_PER_GROUP,
    private readonly dir?: string,
  ) {
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    // The lock turns away other processes and other stores of this one (two clouds of one
    // process, as tests run them).
    try {
      this.lock = lockStateDir(dir);
    } catch (error) {
      if (!(error instanceof StateLockedError)) throw error;
    }
  }

  /** Whether this store may cut the directory's files (it holds the lock). */
  get ownsFiles(): boolean {
    return this.lock !== undefined;
  }

  /** Creates the group (with what its file holds) so DescribeLogGroups lists it before its first line. */
  createGroup(name: string): void {
    if (this.groups.has(name)) return;
    const entry = { created: Date.now(), events: new LogRing(this.maxEventsPerGroup) };
    this.groups.set(name, entry);
    if (!this.dir) return;
    const path = join(this.dir, `${encodeURIComponent(name)}.jsonl`);
    const file: GroupFile = {
      path,
      lines: 0,
      pending: [],
      chain: Promise.resolve(),
      flushQueued: false,
    };
    this.files.set(name, file);
    if (!existsSync(path)) return;
    const { dropped, lines } = parseGroupFile(readFileSync(path, 'utf8'));
    file.lines = lines.length;
    const kept = lines.slice(-this.maxEventsPerGroup);
    entry.events.skip(dropped + lines.length - kept.length);
    for (const line of kept) {
      try {
        const { t, i, m } = JSON.parse(line) as { t: number; i: number; m: string };
        entry.events.append(t, i, m);
      } catch {
        // A line cut short by a crash: the rest of the file still reads.
      }
    }
    const oldest = entry.events.at(0);
    if (oldest) entry.created = oldest.ingestionTime;
    this.cutIfLong(file);
  }

  /** Resolves once every line appended so far is in its group's file. */
  async flushed(): Promise<void> {
    await Promise.all([...this.files.values()].map((f) => f.chain));
  }

  /** Finishes writing the groups' files and gives up the directory's lock. */
  async close(): Promise<void> {
    const files = [...this.files.values()];
    this.files.clear();
    await Promise.all(files.map((f) => f.chain));
    this.lock?.release();
    this.lock = undefined;
  }

  /** Queues a line for the group's file, written with the others of this tick. */
  private write(file: GroupFile, line: string): void {
    file.pending.push(line);
    file.lines += 1;
    if (!file.flushQueued) {
      file.flushQueued = true;
      enqueue(file, async () => {
        file.flushQueued = false;
        const text = file.pending.join('');
        file.pending = [];
        if (text) await appendFile(file.path, text);
      });
    }
    this.cutIfLong(file);
  }

  /**
   * Past twice the bound, cuts the file to its newest `maxEventsPerGroup` events (read back from
   * the file, so lines of any writer are kept alike), with the count of all it dropped so far.
   */
  private cutIfLong(file: GroupFile): void {
    if (!this.lock || file.lines <= 2 * this.maxEventsPerGroup) return;
    file.lines = this.maxEventsPerGroup;
    enqueue(file, () => cutGroupFile(file.path, this.maxEventsPerGroup));
  }

  /** Adds a line; its time is its JSON `timestamp` field when it has one, else now. */
  append(group: string, message: string): void {
    this.createGroup(group);
    const entry = this.groups.get(group);
    if (!entry) return;
    const now = Date.now();
    const stamp = /"timestamp"\s*:\s*"([^"]+)"/.exec(message)?.[1];
    const parsed = stamp ? Date.parse(stamp) : Number.NaN;
    const timestamp = Number.isNaN(parsed) ? now : parsed;
    entry.events.append(timestamp, now, message);
    const file = this.files.get(group);
    if (file) this.write(file, `${JSON.stringify({ t: timestamp, i: now, m: message })}\n`);
  }

  /**
   * The group's events numbered above `after` (an event id; all when empty), oldest first. When
   * some were dropped, the first is a notice saying how many, timed as the oldest kept event and
   * with the id of the last dropped one, so readers that page by id or time see it once, where the
   * gap is.
   */
  *eventsAfter(name: string, after = ''): Generator<LogEvent> {
    const events = this.groups.get(name)?.events;
    if (!events) return;
    const sequence = sequenceOf(after);
    if (sequence < events.dropped - 1) yield* this.dropNotice(events);
    yield* events.after(sequence);
  }

  /**
   * The group's events numbered below `before`, newest first, ending with the notice of any
   * dropped (see `eventsAfter`), which is numbered as the last dropped event.
   */
  *eventsBefore(name: string, before: number): Generator<LogEvent> {
    const events = this.groups.get(name)?.events;
    if (!events) return;
    yield* events.before(before);
    if (before > events.dropped - 1) yield* this.dropNotice(events);
  }

  /** The notice of the events a full group dropped, if it dropped any, as its one event. */
  private *dropNotice(events: LogRing): Generator<LogEvent> {
    const oldest = events.dropped > 0 ? events.at(0) : undefined;
    if (!oldest) return;
    yield {
      timestamp: oldest.timestamp,
      ingestionTime: oldest.ingestionTime,
      message: `[local cloud] ${events.dropped} older events dropped (this log group keeps the last ${this.maxEventsPerGroup})`,
      eventId: eventIdOf(events.dropped - 1),
    };
  }

  /** The group's events, oldest first, with the notice of any dropped (see `eventsAfter`). */
  events(name: string): LogEvent[] {
    return [...this.eventsAfter(name)];
  }

  groupNames(): string[] {
    return [...this.groups.keys()].sort();
  }

  group(name: string): LogGroup | undefined {
    return this.groups.get(name);
  }
}
