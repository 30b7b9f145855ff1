/**
 * What a deployed bundle was built from, read from its source map, for `npm run dev` to rebuild
 * it: the handler's entry, every source file, and whether the sources still read as they did.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The sources of one bundle, by {@link bundleSources}. */
export interface BundleSources {
  /** The handler entry, relative to the project (`functions/generator/index.ts`). */
  readonly entry: string;
  /** Absolute paths, under the project, of every source the map names. */
  readonly inputs: ReadonlySet<string>;
  /** Every source in the project reads as the map holds it: the bundle is what a build makes. */
  readonly current: boolean;
}

/**
 * The sources of `bundle` (its `.map` beside it) as files of the project at `rootDir`. esbuild
 * emits the entry module last, so the last source is the handler's entry; the map's paths are
 * relative to where the bundle was built, so each is read by its path in the entry's project. The
 * template names only the bundle; this is how `npm run dev` knows what to rebuild, and that it
 * need not build at start: CDK's source maps hold each source's text (`sourcesContent`).
 *
 * @throws Error when the bundle has no source map or its last source is not under `functions/`
 */
export function bundleSources(bundle: string, rootDir: string): BundleSources {
  const map = readMap(`${bundle}.map`);
  const sources = (map.sources ?? []).map((source) => resolve(dirname(bundle), source));
  const entry = sources.at(-1) ?? '';
  // Where the bundle was built from: a copied assembly resolves every source to the same wrong
  // place, so each is read by its path below that project, under `rootDir`.
  const at = entry.lastIndexOf('/functions/');
  if (at < 0) {
    throw new Error(
      `The bundle ${bundle} was not built from a handler under functions/ (${entry})`,
    );
  }
  const builtIn = entry.slice(0, at + 1);
  const inputs = new Set<string>();
  let current = true;
  for (const [i, source] of sources.entries()) {
    if (!source.startsWith(builtIn)) {
      current = false;
      continue;
    }
    const file = join(rootDir, source.slice(builtIn.length));
    inputs.add(file);
    if (current) current = readsAs(file, map.sourcesContent?.[i]);
  }
  return { entry: entry.slice(at + 1), inputs, current };
}

/** The parts of a source map read here. */
interface SourceMap {
  readonly sources?: string[];
  readonly sourcesContent?: (string | null)[];
}

function readMap(mapFile: string): SourceMap {
  try {
    return JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMap;
  } catch (error) {
    throw new Error(
      `Cannot read the source map ${mapFile} to find the handler's source: ${(error as Error).message}`,
    );
  }
}

/** Whether `file` holds exactly `content` (false when either is missing). */
function readsAs(file: string, content: string | null | undefined): boolean {
  if (typeof content !== 'string') return false;
  try {
    return readFileSync(file, 'utf8') === content;
  } catch {
    return false;
  }
}
