/**
 * The last few values made, by key: for work the engine repeats with the same input within one
 * process (each test's cloud, each start of the dev loop), kept small so that a long-running
 * cloud does not grow with it.
 */
export class Recent<K, V> {
  private readonly values = new Map<K, V>();

  constructor(private readonly kept: number) {}

  /** The value kept for `key`, or else `make()`'s, kept in place of the oldest once full. */
  get(key: K, make: () => V): V {
    const had = this.values.get(key);
    if (had !== undefined) return had;
    const value = make();
    this.values.set(key, value);
    const [oldest] = this.values.keys();
    if (this.values.size > this.kept && oldest !== undefined) this.values.delete(oldest);
    return value;
  }
}
