/** What an id must be made of: characters of one byte each, as latin1 stores them, and back. */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * A set of request ids kept as fixed-width records in one buffer, for a run that must say at the
 * end whether every request it asked for completed. `npm start` holds every id it asks for until
 * then: as strings in an array they took several times their length in the engine's heap, and
 * the heap grew with them; here each takes its own length (a ULID's 26 bytes) plus the room to
 * grow, outside the heap.
 */
export class RequestIdSet implements Iterable<string> {
  private bytes = Buffer.alloc(0);
  private count = 0;
  private width = 0;
  /** Whether the ids are sorted and without repeats, as {@link sorted} leaves them. */
  private isSorted = false;
  /** The id looked up, as bytes: one buffer reused from one lookup to the next. */
  private key = Buffer.alloc(0);

  /** The set of `ids`; a `RequestIdSet` is returned as it is. */
  static of(ids: Iterable<string>): RequestIdSet {
    if (ids instanceof RequestIdSet) return ids;
    const set = new RequestIdSet();
    for (const id of ids) set.add(id);
    return set;
  }

  /** Adds `id`. All ids must be of one length and ASCII, as request ids (ULIDs) are. */
  add(id: string): void {
    if (this.isSorted) throw new Error('RequestIdSet: add after sorted');
    if (this.count === 0) this.width = id.length;
    if (id.length !== this.width || !PRINTABLE_ASCII.test(id)) {
      const like = this.count === 0 ? '' : `, ${this.width} of them like the ids before it`;
      throw new RangeError(
        `Request id ${JSON.stringify(id)} must be printable ASCII characters${like}`,
      );
    }
    const end = (this.count + 1) * this.width;
    if (end > this.bytes.length) {
      // By a quarter at a time: room for at most a quarter more ids than it holds.
      const room = Math.max(end, Math.ceil(this.bytes.length * 1.25), 1024 * this.width);
      const grown = Buffer.alloc(room);
      this.bytes.copy(grown);
      this.bytes = grown;
    }
    this.bytes.write(id, this.count * this.width, 'latin1');
    this.count += 1;
  }

  get size(): number {
    return this.count;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }

  /** The `index`-th id. */
  at(index: number): string {
    return this.bytes.toString('latin1', index * this.width, (index + 1) * this.width);
  }

  /**
   * Where `id` is (an index for {@link at}), or -1 when it is not in the set. Sorts the set first
   * if it is not ({@link sorted}).
   */
  indexOf(id: string): number {
    this.sorted();
    if (id.length !== this.width || !PRINTABLE_ASCII.test(id)) return -1;
    const { key, bytes, width } = this;
    key.write(id, 0, 'latin1');
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const order = bytes.compare(key, 0, width, mid * width, (mid + 1) * width);
      if (order === 0) return mid;
      if (order < 0) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }

  /**
   * Sorts the ids in place, once, and drops repeats (an id added twice is one request), so that
   * {@link indexOf} can look each one up; the set takes no more ids after that. Returns the set.
   */
  sorted(): this {
    if (this.isSorted) return this;
    const { width, bytes } = this;
    const order = Uint32Array.from({ length: this.count }, (_, i) => i);
    order.sort((a, b) =>
      bytes.compare(bytes, b * width, (b + 1) * width, a * width, (a + 1) * width),
    );
    const sorted = Buffer.alloc(this.count * width);
    let kept = 0;
    for (const index of order) {
      const start = index * width;
      const previous = (kept - 1) * width;
      if (kept > 0 && bytes.compare(sorted, previous, previous + width, start, start + width) === 0)
        continue;
      bytes.copy(sorted, kept * width, start, start + width);
      kept += 1;
    }
    this.bytes = sorted;
    this.count = kept;
    this.key = Buffer.alloc(width);
    this.isSorted = true;
    return this;
  }
}
