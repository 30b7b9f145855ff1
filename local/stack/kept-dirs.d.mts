/** Types of kept-dirs.mjs: directories a cache keeps by use, and the processes that hold them. */

/** The folder of a kept directory where each process holding it leaves a file named by its pid. */
export declare const HOLDERS = '.held-by';
/**
 * Moves a finished `staging` directory to `dir`; when another process put one there first (its
 * `marker` file written), keeps theirs and removes this one.
 */
export declare function moveIntoPlace(staging: string, dir: string, marker: string): void;
/** Marks `dir` as used now: pruning keeps the entries used last. */
export declare function markUsed(dir: string): void;
/** Marks `dir` as held by this process, until `letGo` or the end of the process. */
export declare function hold(dir: string): void;
/** This process no longer holds `dir`. */
export declare function letGo(dir: string): void;
/** Whether a process `pid` exists (as anyone's). */
export declare function isAlive(pid: number): boolean;

/** What {@link pruneKept} keeps and removes. */
export interface PruneRule {
  /** The entry just made or used, always kept. */
  readonly current: string;
  /** How many other entries no process holds to keep, the most recently modified first. */
  readonly keep: number;
  /** Whether a name is one of the cache's entries. */
  readonly isEntry: (name: string) => boolean;
  /** Whether a name is an entry being written. */
  readonly isStaging: (name: string) => boolean;
  /** Age after which a staging entry counts as a crashed writer's. */
  readonly staleMs: number;
}

/**
 * Removes from `dir` the entries no live process holds past the newest `rule.keep` of them, and
 * the staging entries older than `rule.staleMs`.
 */
export declare function pruneKept(dir: string, rule: PruneRule): void;
