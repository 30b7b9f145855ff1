/** Which handler source a deployed bundle was built from, for `npm run dev` to rebuild it. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The handler entry a bundle was built from, relative to the project (`functions/generator/index.ts`),
 * read from the bundle's source map: esbuild emits the entry module last, so it is the last source.
 * The template names only the bundle; this is how `npm run dev` knows what to rebuild.
 *
 * @throws Error when the bundle has no source map or its last source is not under `functions/`
 */
export function entrySourceOf(bundle: string): string {
  const mapFile = `${bundle}.map`;
  let sources: unknown;
  try {
    sources = (JSON.parse(readFileSync(mapFile, 'utf8')) as { sources?: unknown }).sources;
  } catch (error) {
    throw new Error(
      `Cannot read the source map ${mapFile} to find the handler's source: ${(error as Error).message}`,
    );
  }
  const last = Array.isArray(sources) ? sources[sources.length - 1] : undefined;
  const absolute = typeof last === 'string' ? resolve(dirname(bundle), last) : '';
  const at = absolute.lastIndexOf('/functions/');
  if (at < 0) {
    throw new Error(`The bundle ${bundle} was not built from a handler under functions/ (${last})`);
  }
  return absolute.slice(at + 1);
}
