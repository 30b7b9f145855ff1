// @ts-check
/**
 * `npm start`'s engine, precompiled: a TypeScript command bundled by esbuild into one JavaScript
 * file under `.local-cloud/engine/`, so that the long-running engine process runs without tsx's
 * loader: its hooks' thread with a V8 isolate of its own, tsx itself and its transform caches
 * took a good part of the engine's memory.
 *
 * Packages are bundled too (fauxqs, fastify and theirs), but for the AWS SDK's ({@link REQUIRED}),
 * which Node loads through `require`, and {@link EXTERNAL}. Node 20's ES module loader found,
 * read and linked the packages' files one by one and scanned each CommonJS file for its exports:
 * `npm start`'s first round trip comes about 0.2 s sooner this way (five starts each, alternated).
 * Each file, of the project or of a package, keeps its own `import.meta.url` and `__dirname` (its
 * original file's), so the paths it resolves against itself (synth-child.ts,
 * runtime-host-process.mjs) still point into the sources, and `process.argv[1]` names the
 * command's source, so `isMain` recognises it.
 *
 * A build is kept by the hash of every project file it was made from (as esbuild read them), of
 * the names of the modules beside them (a new one can change what an import resolves to), of each
 * bundled package file's size and modification time, and of the build's own settings (this file,
 * package.json, package-lock.json, tsconfig.json); a start re-hashes those and rebuilds when any
 * has changed. A build is written beside its final directory and renamed into place, so
 * concurrent starts never see half a build.
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
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hold, markUsed, moveIntoPlace, pruneKept } from '../local/stack/kept-dirs.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
/** Stack traces name the .ts sources, each map read only when a trace is first formatted. */
const SOURCE_MAPS = fileURLToPath(new URL('../local/lambda/source-maps.mjs', import.meta.url));
/** Files outside the bundle's inputs that shape it, relative to the project's root. */
const SETTINGS = ['package.json', 'package-lock.json', 'tsconfig.json'];
/** Builds kept per command beside the newest; older ones go when a new one is made. */
const KEEP = 3;
/**
 * Packages left to Node: esbuild runs a native binary it finds beside itself, and dynalite (with
 * its native LevelDB binding) and yaml are loaded through `createRequire` when first needed.
 */
const EXTERNAL = ['esbuild', 'dynalite', 'yaml'];
/**
 * The AWS SDK's packages, left to Node but loaded through `require`, as the CommonJS they are:
 * each client is one file of about 1 MB. Bundled, they made each build take 1.7 s instead of 1.0,
 * for a start no sooner; imported as ES modules, Node scans each file for its export names first.
 */
const REQUIRED = /^@(aws-sdk|smithy)\//;
/**
 * `require` for the packages loaded through it, and for the bundled CommonJS packages' own
 * `require` of Node's modules, which an ES module lacks.
 */
const REQUIRE_BANNER =
  "import { createRequire as __precompileRequire } from 'node:module';\nconst require = __precompileRequire(import.meta.url);";

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
  return hash.update(readFileSync(SELF)).digest('hex').slice(0, 16);
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

/** The files esbuild tries for an import without an extension (an editor's swap file is not). */
const MODULE_FILE = /\.([cm]?[jt]sx?|json)$/;

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
    packageFiles = Object.keys(metafile.inputs).filter(isPackageFile);
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

/** The bundle's entry, a module of the plugin's own: it sets up, then imports the command. */
const NAMESPACE = 'precompile';
const ENTRY = `${NAMESPACE}:main`;

/**
 * What the bundle's entry runs before the command's own code: source-mapped stack traces, and the
 * command's source as `process.argv[1]`, where a run under tsx has it (`isMain` compares it with
 * `import.meta.url`). The command is imported after, so its modules run after this.
 */
function entryModule(/** @type {string} */ entry) {
  return [
    `import { enableLazySourceMaps } from ${JSON.stringify(SOURCE_MAPS)};`,
    'enableLazySourceMaps();',
    `process.argv[1] = ${JSON.stringify(entry)};`,
    `await import(${JSON.stringify(entry)});`,
  ].join('\n');
}

/** @type {Record<string, import('esbuild').Loader>} */
const LOADERS = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.jsx': 'jsx',
  '.json': 'json',
};

/**
 * An esbuild plugin that loads the project's files (not packages') itself: it records what it
 * read, for the build's hash, and gives each file that uses `import.meta` its original file's
 * URL, path and folder in place of the bundle's.
 *
 * @param {string} root
 * @param {string} entry the command's source
 * @param {Map<string, string>} inputs filled with each file's path (relative to `root`) and text
 * @param {typeof import('esbuild').transform} transform
 * @returns {import('esbuild').Plugin}
 */
function projectFiles(root, entry, inputs, transform) {
  return {
    name: 'project-files',
    setup(build) {
      const tsconfigRaw = tsconfigOf(root);
      build.onResolve({ filter: /^precompile:main$/ }, () => ({
        path: 'main',
        namespace: NAMESPACE,
      }));
      build.onResolve({ filter: /^[^./]/ }, ({ path, kind, namespace, importer }) => {
        if (isBuiltin(path)) return undefined;
        if (EXTERNAL.some((name) => path === name || path.startsWith(`${name}/`))) return undefined;
        // A package bundled or required, imported dynamically, keeps only its default export.
        if (kind === 'dynamic-import' && !isPackageFile(importer))
          return { errors: [{ text: dynamicImportError(path) }] };
        if (!REQUIRED.test(path)) return undefined;
        // `require(path)` in the module below; any other import of it, that module.
        if (namespace === NAMESPACE) return { path, external: true };
        return { path: `require:${path}`, namespace: NAMESPACE };
      });
      build.onLoad({ filter: /^main$/, namespace: NAMESPACE }, () => ({
        contents: entryModule(entry),
        resolveDir: root,
        loader: 'js',
      }));
      build.onLoad({ filter: /^require:/, namespace: NAMESPACE }, ({ path }) => ({
        contents: `module.exports = require(${JSON.stringify(path.slice('require:'.length))});`,
        resolveDir: root,
        loader: 'js',
      }));
      build.onLoad({ filter: MODULE_FILE }, async ({ path }) => {
        if (isPackageFile(path)) return packageFile(path, transform);
        const source = await readFile(path, 'utf8');
        inputs.set(relative(root, path), source);
        const loader = LOADERS[extname(path)] ?? 'js';
        if (loader === 'json' || !source.includes('import.meta'))
          return { contents: source, loader };
        if (/import\.meta\.resolve\s*\(/.test(source)) {
          // Relative to the bundle, not to the file: refuse rather than resolve it wrongly.
          return { errors: [{ text: `${path} calls import.meta.resolve, which a bundle breaks` }] };
        }
        const { code } = await transform(source, {
          loader,
          format: 'esm',
          sourcefile: path,
          sourcemap: 'inline',
          tsconfigRaw,
          define: {
            'import.meta.url': JSON.stringify(pathToFileURL(path).href),
            'import.meta.filename': JSON.stringify(path),
            'import.meta.dirname': JSON.stringify(dirname(path)),
          },
        });
        return { contents: code, loader: 'js' };
      });
    },
  };
}

/** Why a dynamic import of package `name` cannot be bundled, and what to do instead. */
function dynamicImportError(/** @type {string} */ name) {
  return `import('${name}'): import a package dynamically through a module of the project`;
}

/** Whether a path (absolute, or relative to the root as esbuild's metafile has it) is a package's. */
function isPackageFile(/** @type {string} */ path) {
  return path.split(/[\\/]/).includes('node_modules');
}

/**
 * A package's file as the bundle loads it: as it is, unless it finds files beside itself
 * (`__dirname`, `__filename`, `import.meta`), which then get its own path and URL in place of the
 * bundle's.
 *
 * @param {string} path
 * @param {typeof import('esbuild').transform} transform
 * @returns {Promise<import('esbuild').OnLoadResult>}
 */
async function packageFile(path, transform) {
  const source = await readFile(path, 'utf8');
  const loader = extname(path) === '.json' ? 'json' : 'js';
  if (loader === 'json' || !/\b__dirname\b|\b__filename\b|\bimport\.meta\b/.test(source))
    return { contents: source, loader };
  const { code } = await transform(source, {
    loader,
    sourcefile: path,
    sourcemap: 'inline',
    define: {
      __dirname: JSON.stringify(dirname(path)),
      __filename: JSON.stringify(path),
      'import.meta.url': JSON.stringify(pathToFileURL(path).href),
      'import.meta.filename': JSON.stringify(path),
      'import.meta.dirname': JSON.stringify(dirname(path)),
    },
  });
  return { contents: code, loader: 'js' };
}

/** The project's tsconfig.json, for the files transformed on their own (as the bundle reads it). */
function tsconfigOf(/** @type {string} */ root) {
  try {
    return readFileSync(join(root, 'tsconfig.json'), 'utf8');
  } catch {
    return undefined;
  }
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
