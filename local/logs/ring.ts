// A log group's events as the log store keeps them: numbered in the order they came, the newest
// kept in blocks outside the JavaScript heap.

/** One log event as CloudWatch Logs keeps it. */
export interface LogEvent {
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
  readonly eventId: string;
}

const ZEROS = '0'.repeat(20);

/**
 * An event's id: its sequence number in the group, 20 digits. Joined rather than padded: V8 keeps
 * `padStart`'s result as a tree of the digits and filler strings, larger than the one flat string
 * a join makes.
 */
export function eventIdOf(sequence: number): string {
  const digits = String(sequence);
  return [ZEROS.slice(digits.length), digits].join('');
}

/** The sequence number an event id (a `nextToken`) names; -1 for none, past every event if unreadable. */
export function sequenceOf(eventId: string): number {
  if (eventId === '') return -1;
  return /^\d{1,20}$/.test(eventId) ? Number(eventId) : Number.POSITIVE_INFINITY;
}

/** Bytes a block's text buffer starts with, per event it holds (it doubles as it fills). */
const INITIAL_BYTES_PER_EVENT = 32;

/**
 * Consecutive events with their times in typed arrays and their text, UTF-8, in one buffer. All
 * of it lives outside the JavaScript heap: a store churning through millions of lines leaves no
 * per-event objects behind to age into the old space and fragment it as the oldest are dropped.
 */
class Block {
  readonly timestamps: Float64Array;
  readonly ingestionTimes: Float64Array;
  /** Where each event's text ends in `bytes`; the previous end is where it starts. */
  readonly ends: Uint32Array;
  bytes: Buffer;
  count = 0;

  constructor(
    /** The first event's sequence number. */
    readonly first: number,
    readonly capacity: number,
  ) {
    this.timestamps = new Float64Array(capacity);
    this.ingestionTimes = new Float64Array(capacity);
    this.ends = new Uint32Array(capacity);
    this.bytes = Buffer.allocUnsafeSlow(Math.min(64 * 1024, capacity * INITIAL_BYTES_PER_EVENT));
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  private start(index: number): number {
    return index === 0 ? 0 : (this.ends[index - 1] ?? 0);
  }

  add(timestamp: number, ingestionTime: number, message: string): void {
    const start = this.start(this.count);
    const end = start + Buffer.byteLength(message);
    if (end > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.bytes.length, end));
      this.bytes.copy(grown, 0, 0, start);
      this.bytes = grown;
    }
    this.bytes.write(message, start, 'utf8');
    this.timestamps[this.count] = timestamp;
    this.ingestionTimes[this.count] = ingestionTime;
    this.ends[this.count] = end;
    this.count += 1;
    // A full block keeps only the bytes it uses: doubling leaves up to half its buffer spare.
    if (this.full && end < this.bytes.length) {
      const exact = Buffer.allocUnsafeSlow(end);
      this.bytes.copy(exact, 0, 0, end);
      this.bytes = exact;
    }
  }

  event(index: number): LogEvent {
    return {
      timestamp: this.timestamps[index] ?? 0,
      ingestionTime: this.ingestionTimes[index] ?? 0,
      message: this.bytes.toString('utf8', this.start(index), this.ends[index]),
      eventId: eventIdOf(this.first + index),
    };
  }
}

/**
 * A log group's newest events, at most `capacity`: past it the oldest block (a tenth of the
 * capacity) is dropped, so appending stays cheap at the bound. Events are numbered from 0 in the
 * order they were appended, dropped ones included.
 */
export class LogRing {
  private blocks: Block[] = [];
  private readonly blockSize: number;
  /** Events dropped (or never kept) before the oldest kept one; the next block starts after them. */
  dropped = 0;
  /** Events kept. */
  size = 0;

  constructor(readonly capacity: number) {
    this.blockSize = Math.max(1, Math.floor(capacity / 10));
  }

  /** Numbers the next event after `count` others that were never kept here (read back from a file). */
  skip(count: number): void {
    if (this.size > 0) throw new Error('LogRing.skip: events are already kept');
    this.dropped += count;
  }

  append(timestamp: number, ingestionTime: number, message: string): void {
    let block = this.blocks[this.blocks.length - 1];
    if (!block || block.full) {
      block = new Block(this.dropped + this.size, this.blockSize);
      this.blocks.push(block);
    }
    block.add(timestamp, ingestionTime, message);
    this.size += 1;
    if (this.size > this.capacity) {
      const oldest = this.blocks.shift();
      this.size -= oldest?.count ?? 0;
      this.dropped += oldest?.count ?? 0;
    }
  }

  /** The kept event at `index` (0 is the oldest kept). */
  at(index: number): LogEvent | undefined {
    if (index < 0 || index >= this.size) return undefined;
    return this.blocks[Math.floor(index / this.blockSize)]?.event(index % this.blockSize);
  }

  /** The number the next event appended will get. */
  get next(): number {
    return this.dropped + this.size;
  }

  /** Kept events numbered below `sequence`, newest first. */
  *before(sequence: number): Generator<LogEvent> {
    for (let index = Math.min(this.size, sequence - this.dropped) - 1; index >= 0; index--) {
      const event = this.at(index);
      if (event) yield event;
    }
  }

  /** Kept events numbered above `sequence`, oldest first. */
  *after(sequence: number): Generator<LogEvent> {
    const start = Math.max(0, sequence + 1 - this.dropped);
    const firstBlock = Math.floor(start / this.blockSize);
    for (let b = firstBlock; b < this.blocks.length; b++) {
      const block = this.blocks[b];
      if (!block) break;
      for (let i = b === firstBlock ? start % this.blockSize : 0; i < block.count; i++) {
        yield block.event(i);
      }
    }
  }
}
