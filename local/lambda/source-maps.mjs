// @ts-check
// Source-mapped stack traces for an execution environment, as `--enable-source-maps` gives them,
// but read only when a stack trace is first formatted. Node's flag parses each bundle's source
// map as the bundle loads and keeps it in every environment's memory, for stack traces that a run
// without errors never prints. Plain JavaScript, as the worker is.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Source maps by the file (path or file: URL) a call site names; null when it has none. */
const maps = new Map();

/** The source map of a JavaScript file, from its `sourceMappingURL` comment; null if none. */
function sourceMapOf(/** @type {string} */ fileName) {
  if (maps.has(fileName)) return maps.get(fileName);
  let map = null;
  try {
    const url = fileName.startsWith('file:') ? new URL(fileName) : pathToFileURL(fileName);
    const code = readFileSync(url, 'utf8');
    // The last sourceMappingURL comment wins, as in Node.
    const comment = /\/[*/][#@]\s*sourceMappingURL=(\S+)\s*(?:\*\/\s*)?$/.exec(code.trimEnd());
    if (comment?.[1]) {
      const mapUrl = new URL(comment[1], url);
      const payload = JSON.parse(
        mapUrl.protocol === 'data:'
          ? Buffer.from(
              mapUrl.pathname.slice(mapUrl.pathname.indexOf(',') + 1),
              'base64',
            ).toString()
          : readFileSync(mapUrl, 'utf8'),
      );
      // Sources as absolute file URLs, as Node resolves them against the map's own URL.
      const root = payload.sourceRoot ? `${payload.sourceRoot.replace(/\/?$/, '/')}` : '';
      payload.sources = payload.sources.map(
        (/** @type {string} */ source) => new URL(root + source, mapUrl).href,
      );
      // The sources' text is only for debuggers; stack traces need the mappings alone.
      delete payload.sourcesContent;
      map = new SourceMap(payload);
    }
  } catch {
    // An unreadable file or map: frames in it stay as they are, as Node leaves them.
  }
  maps.set(fileName, map);
  return map;
}

/**
 * The original name of the function a frame runs in, when the transpiler renamed it: the name the
 * map gives the enclosing function's start, or else the one at the caller's call site in the same
 * file. Node's own rule, so frames read the same as with the flag.
 */
function originalName(
  /** @type {SourceMap} */ map,
  /** @type {NodeJS.CallSite[]} */ sites,
  /** @type {number} */ index,
) {
  const site =
    /** @type {NodeJS.CallSite & { getEnclosingLineNumber(): number, getEnclosingColumnNumber(): number }} */ (
      sites[index]
    );
  const enclosing = map.findEntry(
    site.getEnclosingLineNumber() - 1,
    site.getEnclosingColumnNumber() - 1,
  );
  if (enclosing.name) return enclosing.name;
  const caller = sites[index + 1];
  if (!caller || caller.getFileName() !== site.getFileName()) return undefined;
  return map.findEntry((caller.getLineNumber() ?? 0) - 1, (caller.getColumnNumber() ?? 0) - 1).name;
}

/**
 * One frame of a stack trace, mapped back to its original source when its file has a source map;
 * formatted as Node's `--enable-source-maps` formats it.
 */
function frame(
  /** @type {NodeJS.CallSite} */ site,
  /** @type {number} */ index,
  /** @type {NodeJS.CallSite[]} */ sites,
) {
  const fileName = site.getFileName() ?? site.getEvalOrigin();
  const map = fileName && !fileName.startsWith('node:') ? sourceMapOf(fileName) : null;
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (map && line !== null && column !== null) {
    const entry = map.findEntry(line - 1, column - 1);
    if (entry.originalSource && entry.originalLine !== undefined) {
      const typeName = site.getTypeName();
      const prefix = typeName !== null && typeName !== 'global' ? `${typeName}.` : '';
      const name =
        originalName(map, sites, index) ??
        `${prefix}${site.getFunctionName() || site.getMethodName() || '<anonymous>'}`;
      const source = entry.originalSource.startsWith('file:')
        ? fileURLToPath(entry.originalSource)
        : entry.originalSource;
      return `${name} (${source}:${entry.originalLine + 1}:${entry.originalColumn + 1})`;
    }
  }
  return String(site);
}

/**
 * Makes every stack trace formatted from now on name the original sources of files that have a
 * source map. Each map is read the first time a stack trace passes through its file, then kept.
 */
export function enableLazySourceMaps() {
  Error.prepareStackTrace = (error, sites) => {
    let head;
    try {
      head = String(error);
    } catch {
      head = '<error>';
    }
    return sites.length === 0 ? head : `${head}\n    at ${sites.map(frame).join('\n    at ')}`;
  };
}
