/** Types of precompile.mjs: `npm start`'s engine bundled into JavaScript and kept by its inputs. */

/** A command's bundle, ready to run with plain `node`. */
export interface Precompiled {
  /** The bundle to run. */
  readonly file: string;
  /** What its inputs hash to. */
  readonly hash: string;
  /** Whether this call built it (false: the cache had it). */
  readonly built: boolean;
}

/** Where the command's project and its builds are. */
export interface PrecompileOptions {
  /** The project whose command it is. @default this repository */
  readonly root?: string;
  /**
   * Where builds are kept: inside `root`, for the bundle's packages resolve from where it is.
   * @default `.local-cloud/engine` in `root`
   */
  readonly cacheDir?: string;
}

/**
 * The bundle of `script`, from the cache when none of its inputs has changed since it was built,
 * else built now.
 *
 * @throws whatever esbuild reports when the build fails
 */
export function precompile(script: string, options?: PrecompileOptions): Promise<Precompiled>;

/**
 * Node's arguments to run `script` with `args` as `npm start` does: its precompiled bundle, or
 * else, saying why through `warn`, its source under tsx's loader.
 */
export function nodeArguments(
  script: string,
  args: readonly string[],
  options?: PrecompileOptions,
  warn?: (line: string) => void,
): Promise<string[]>;

/** Ends esbuild's service if a build in this process started it. */
export function stopBundler(): Promise<void>;
