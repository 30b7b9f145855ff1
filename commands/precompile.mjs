// @ts-check
/**
 * `npm start`'s engine, precompiled: a TypeScript command bundled by esbuild into one JavaScript
 * file under `.local-cloud/engine/`, so that the long-running engine process runs without tsx's
 * loader: its hooks' thread with a V8 isolate of its own, tsx itself and its transform caches
 * took a good part of the engine's memory.
 *
 * How each package is loaded, and how each file keeps its own paths: ./precompile-plugin.mjs.
 *
 * A build is kept by the hash of every project file it was made from (as esbuild read them), of
 * the names of the modules beside them (a new one can change what an import resolves to), of the
 * size and modification time of each bundled package file and of its package's package.json, and
 * of the build's own settings (this file, its plugin, package.json, package-lock.json,
 * tsconfig.json); a start re-hashes those and rebuilds when any has changed. A build is written
 * beside its final directory and renamed into place, so concurrent starts never see half a build.
 *
 * Plain JavaScript, so that it runs before any TypeScript loader exists.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hold, markUsed, moveIntoPlace, pruneKept } from '../local/stack/kept-dirs.mjs';
import {
  ENTRY,
  EXTERNAL,
  isPackageFile,
  MODULE_FILE,
  NAMESPACE,
  packageJsonOf,
  projectFiles,
  REQUIRE_BANNER,
} from './precompile-plugin.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const PLUGIN = fileURLToPath(new URL('./precompile-plugin.mjs', import.meta.url));
/** Files outside the bundle's inputs that shape it, relative to the project's root. */
const SETTINGS = ['package.json', 'package-lock.json', 'tsconfig.json'];
/** Builds kept per command beside the newest; older ones go when a new one is made. */
const KEEP = 3;
/**
 * @typedef {object} Precompiled
 * @property {string} file the bundle to run with plain `node`
 * @property {string} hash what its inputs hash to
 * @property {boolean} built whether this call built it (false: the cache had it)
 */

/**
 * @typedef {object} PrecompileOptions
 * @property {string} [root] the project whose command it is (default: this repository)
 * @property {string} [cacheDir] where builds are kept (default: `.local-cloud/engine` in `root`);
 *   inside `root`, for the bundle's packages resolve from where it is
 */

/**
 * The bundle of `script` (a TypeScript command of the project), from the cache when none of its
 * inputs has changed since it was built, else built now.
 *
 * @param {string} script the command's entry file
 * @param {PrecompileOptions} [options]
 * @returns {Promise<Precompiled>}
 * @throws whatever esbuild reports when the build fails
 */
export async function precompile(script, options = {}) {
  const root = resolve(options.root ?? ROOT);
  const entry = resolve(script);
  const dir = join(
    options.cacheDir ?? join(root, '.local-cloud', 'engine'),
    commandName(root, entry),
  );
  const cached = cachedBuild(root, dir);
  const result = cached
    ? { ...cached, built: false }
    : { ...(await build(root, entry, dir)), built: true };
  hold(dirname(result.file));
  return result;
}

/** A file name for the command's builds: `commands-start` for commands/start.ts. */
function commandName(/** @type {string} */ root, /** @type {string} */ entry) {
  return relative(root, entry)
    .slice(0, -extname(entry).length)
    .replaceAll(sep, '-')
    .replaceAll(/[^\w.-]/g, '_');
}

/**
 * Node's arguments to run `script` with `args` as `npm start` does: its precompiled bundle, or
 * else, saying why through `warn`, its source under tsx's loader.
 *
 * @param {string} script
 * @param {readonly string[]} args
 * @param {PrecompileOptions} [options]
 * @param {(line: string) => void} [warn]
 * @returns {Promise<string[]>}
 */
export async function nodeArguments(script, args, options = {}, warn = console.error) {
  try {
    return [(await precompile(script, options)).file, ...args];
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    warn(`${script} did not precompile, so it runs under tsx's loader: ${why}`);
    return [
      // What the tsx command line gives the process it starts: TypeScript in require and import.
      '--require',
      fileURLToPath(import.meta.resolve('tsx/preflight')),
      '--import',
      import.meta.resolve('tsx'),
      script,
      ...args,
    ];
  }
}

/** Whether this process has started esbuild's service (a child process), which outlives a build. */
let bundlerStarted = false;

/**
 * Ends esbuild's service if a build started it: the launcher lives as long as the command it runs,
 * and the service would too. Not for a process that uses esbuild otherwise: a build of its own in
 * progress would fail.
 */
export async function stopBundler() {
  if (bundlerStarted) await (await import('esbuild')).stop();
  bundlerStarted = false;
}

/** The bundle's file name in its build directory. */
const OUTFILE = 'main.mjs';

/**
 * The build `current.json` names, if its inputs and settings still hash to its hash.
 *
 * @returns {{ file: string, hash: string } | undefined}
 */
function cachedBuild(/** @type {string} */ root, /** @type {string} */ dir) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'current.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const file = join(dir, manifest.hash, OUTFILE);
  if (!existsSync(file)) return undefined;
  const inputs = new Map();
  try {
    for (const path of manifest.inputs) inputs.set(path, readFileSync(join(root, path)));
  } catch {
    // An input was removed or renamed: the command no longer builds from these files.
    return undefined;
  }
  let stamps;
  try {
    stamps = packageStamps(root, manifest.packageFiles ?? []);
  } catch {
    // A package file went: the packages were installed again.
    return undefined;
  }
  if (hashOf(root, inputs, stamps) !== manifest.hash) return undefined;
  markUsed(dirname(file));
  return { file, hash: manifest.hash };
}

/**
 * Each bundled package file's size and modification time, by path relative to the root: a file
 * edited in place (a patch, a debugging `console.log`) changes its time, a reinstall of another
 * version changes package-lock.json. Reading them all instead took longer than a start saves.
 *
 * @param {string} root
 * @param {readonly string[]} files
 * @returns {Map<string, string>}
 */
function packageStamps(root, files) {
  const stamps = new Map();
  for (const path of files) {
    const { size, mtimeMs } = statSync(join(root, path));
    stamps.set(path, `${size}:${mtimeMs}`);
  }
  return stamps;
}

/**
 * sha256 (first 16 hex digits) of the inputs (path relative to the root, and content), of the
 * package files' stamps, of the settings files that exist in `root` and of this builder.
 *
 * @param {string} root
 * @param {Map<string, string | Buffer>} inputs
 * @param {Map<string, string>} stamps
 */
function hashOf(root, inputs, stamps) {
  const hash = createHash('sha256');
  /** One named part of what the build is made from, each ended by a NUL. */
  const part = (/** @type {string} */ name, /** @type {string | Buffer} */ value) =>
    hash.update(name).update('\0').update(value).update('\0');
  for (const path of [...inputs.keys()].sort()) {
    part(path, /** @type {string | Buffer} */ (inputs.get(path)));
  }
  for (const path of [...stamps.keys()].sort())
    part(path, /** @type {string} */ (stamps.get(path)));
  for (const path of SETTINGS) {
    const file = join(root, path);
    if (existsSync(file)) part(path, readFileSync(file));
  }
  for (const folder of resolutionFolders(inputs.keys())) {
    part(folder, moduleNames(join(root, folder)));
  }
  return hash.update(readFileSync(SELF)).update(readFileSync(PLUGIN)).digest('hex').slice(0, 16);
}

/**
 * The folders whose contents decide what the inputs' imports resolve to: each input's own, and
 * the parent of each `index` file's (`./foo` means `foo.ts` before `foo/index.ts`). A file added
 * there can change the build although no input changed.
 *
 * @param {Iterable<string>} inputs paths relative to the root
 */
function resolutionFolders(inputs) {
  const folders = new Set();
  for (const path of inputs) {
    folders.add(dirname(path));
    if (/^index\.[^.]+$/.test(basename(path))) folders.add(dirname(dirname(path)));
  }
  return [...folders].sort();
}

/** What an import can resolve to in `folder`: its modules and subfolders, sorted, by name. */
function moduleNames(/** @type {string} */ folder) {
  try {
    return readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() || MODULE_FILE.test(entry.name))
      .map((entry) => entry.name)
      .sort()
      .join('/');
  } catch {
    return '';
  }
}

/**
 * Bundles `entry` into a staging directory, moves it to `dir/<hash>` (or keeps another start's,
 * if it won), names it in `current.json` and removes old builds.
 *
 * @returns {Promise<{ file: string, hash: string }>}
 */
async function build(
  /** @type {string} */ root,
  /** @type {string} */ entry,
  /** @type {string} */ dir,
) {
  const esbuild = await import('esbuild');
  bundlerStarted = true;
  // Its own name, even beside another build of this process's.
  const staging = join(dir, `${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  /** @type {Map<string, string>} */
  const inputs = new Map();
  /** @type {string[]} */
  let packageFiles = [];
  try {
    const { metafile } = await esbuild.build({
      entryPoints: [ENTRY],
      outdir: staging,
      // Each dynamic import stays a file of its own, loaded when the command asks for it, with the
      // packages it imports: in one file they would all load at start (the console's, esbuild).
      splitting: true,
      entryNames: 'main',
      chunkNames: 'chunk-[hash]',
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: EXTERNAL,
      banner: { js: REQUIRE_BANNER },
      // Stack traces need the mappings only; the sources are on disk.
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
      plugins: [projectFiles(root, entry, inputs, esbuild.transform)],
      metafile: true,
      absWorkingDir: root,
    });
    const bundled = Object.keys(metafile.inputs).filter(isPackageFile);
    packageFiles = [...new Set([...bundled, ...bundled.map(packageJsonOf)])];
    const unread = Object.keys(metafile.inputs).filter(
      (path) => !inputs.has(path) && !isPackageFile(path) && !path.startsWith(`${NAMESPACE}:`),
    );
    // A kind of file the plugin does not load would be missing from the hash: refuse it.
    if (unread.length > 0) throw new Error(`cannot tell when ${unread.join(', ')} change`);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  const hash = hashOf(root, inputs, packageStamps(root, packageFiles));
  const final = join(dir, hash);
  // Another start may have made the same build first: then theirs is used.
  moveIntoPlace(staging, final, OUTFILE);
  const manifest = `${staging}.json`;
  writeFileSync(
    manifest,
    JSON.stringify({ hash, inputs: [...inputs.keys()].sort(), packageFiles: packageFiles.sort() }),
  );
  renameSync(manifest, join(dir, 'current.json'));
  pruneOlder(dir, hash);
  return { file: join(final, OUTFILE), hash };
}

/** How long a staging directory may stay before it counts as a crashed build's and goes. */
const STRAY_MS = 10 * 60_000;

/**
 * Removes all but the newest {@link KEEP} builds of `dir` other than `hash` that no live process
 * holds, and the staging of builds that crashed.
 */
function pruneOlder(/** @type {string} */ dir, /** @type {string} */ hash) {
  const isStaging = (/** @type {string} */ name) => /\.tmp(\.json)?$/.test(name);
  pruneKept(dir, {
    current: hash,
    keep: KEEP,
    isEntry: (name) => name !== 'current.json' && !isStaging(name),
    isStaging,
    staleMs: STRAY_MS,
  });
}
