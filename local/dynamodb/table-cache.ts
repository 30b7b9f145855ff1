/**
 * dynalite's on-disk store with its table descriptions kept in memory as well. dynalite reads a
 * table's description from LevelDB at every request (`getTable`, to check the key schema and the
 * status), and on disk that read was the engine's largest single cost under load: about a sixth
 * of its CPU in `npm start`, which keeps its tables on disk. The descriptions change only when a
 * table is created, updated or deleted, each a write through this store, which forgets the cached
 * one; items are read from LevelDB as before.
 */

/** The key prefix of dynalite's table descriptions (its `table` sub-store). */
const TABLE_KEY = 'table~';

/** One write of a batch, as abstract-level passes it on. */
interface BatchOperation {
  readonly type: string;
  readonly key: unknown;
  readonly value?: unknown;
}

/** The part of LevelDB's store class (classic-level, as the `level` package exports it) used here. */
export interface LevelStore {
  _get(key: unknown, options: { valueEncoding?: string }): Promise<unknown>;
  _put(key: unknown, value: unknown, options: unknown): Promise<void>;
  _del(key: unknown, options: unknown): Promise<void>;
  _batch(operations: readonly BatchOperation[], options: unknown): Promise<void>;
  _clear(options: unknown): Promise<void>;
}
export type LevelClass = new (location: string, options?: object) => LevelStore;

const isTableKey = (key: unknown): key is string =>
  typeof key === 'string' && key.startsWith(TABLE_KEY);

/** `Level` with the table descriptions it reads kept in memory until one is written. */
export function cachingTableDescriptions(Level: LevelClass): LevelClass {
  return class TableCachingLevel extends Level {
    /** Encoded descriptions by key and value format, as LevelDB returned them. */
    readonly #tables = new Map<string, string>();
    /** Counts writes of table keys: a read begun before one must not be kept. */
    #writes = 0;

    override async _get(key: unknown, options: { valueEncoding?: string }): Promise<unknown> {
      if (!isTableKey(key)) return super._get(key, options);
      const slot = `${options.valueEncoding ?? ''}\0${key}`;
      const cached = this.#tables.get(slot);
      if (cached !== undefined) return cached;
      const writes = this.#writes;
      const value = await super._get(key, options);
      if (typeof value === 'string' && writes === this.#writes) this.#tables.set(slot, value);
      return value;
    }

    override async _put(key: unknown, value: unknown, options: unknown): Promise<void> {
      if (!isTableKey(key)) return super._put(key, value, options);
      await this.#writing(() => super._put(key, value, options));
    }

    override async _del(key: unknown, options: unknown): Promise<void> {
      if (!isTableKey(key)) return super._del(key, options);
      await this.#writing(() => super._del(key, options));
    }

    override async _batch(operations: readonly BatchOperation[], options: unknown): Promise<void> {
      if (!operations.some((op) => isTableKey(op.key))) return super._batch(operations, options);
      await this.#writing(() => super._batch(operations, options));
    }

    override async _clear(options: unknown): Promise<void> {
      await this.#writing(() => super._clear(options));
    }

    /**
     * Runs a write of table keys with nothing cached before or after it, so that no read that
     * overlapped it keeps what it found.
     */
    async #writing(write: () => Promise<void>): Promise<void> {
      this.#forget();
      try {
        await write();
      } finally {
        this.#forget();
      }
    }

    #forget(): void {
      this.#tables.clear();
      this.#writes += 1;
    }
  };
}
