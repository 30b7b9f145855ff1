// @ts-check
/**
 * What the precompiled commands' bundle is made of (./precompile.mjs builds and keeps it): an
 * esbuild plugin that loads the project's files, recording them for the build's hash, and decides
 * how each package is loaded.
 *
 * - Bundled: most packages (fauxqs, fastify and theirs). Node 20's ES module loader read and
 *   linked their files one by one; bundled, `npm start`'s first round trip comes about 0.2 s
 *   sooner (five starts each, alternated).
 * - Loaded through `require` ({@link REQUIRED}): the AWS SDK's packages, CommonJS files of about
 *   1 MB each client. Bundled, they made each build take 1.7 s instead of 1.0 for a start no
 *   sooner; imported as ES modules, Node scans each file for its export names first.
 * - Left to Node as they are ({@link EXTERNAL}).
 *
 * Each file, of the project or of a package, keeps its own `import.meta.url`, `__dirname` and
 * `__filename` (its original file's), so the paths it resolves against itself (synth-child.ts,
 * runtime-host-process.mjs) still point into the sources. A bundled package's `require` of
 * anything but Node's modules would resolve from the bundle's folder: none does today.
 *
 * Plain JavaScript, so that it runs before any TypeScript loader exists.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, extname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Stack traces name the .ts sources, each map read only when a trace is first formatted. */
const SOURCE_MAPS = fileURLToPath(new URL('../local/lambda/source-maps.mjs', import.meta.url));

/**
 * Packages left to Node: esbuild runs a native binary it finds beside itself, and dynalite (with
 * its native LevelDB binding) and yaml are loaded through `createRequire` when first needed.
 */
export const EXTERNAL = ['esbuild', 'dynalite', 'yaml'];

/**
 * The AWS SDK's packages, left to Node but loaded through `require`, as the CommonJS they are. A
 * dynamic `import()` of one stays Node's own, which gives its named exports. Each resolves from the
 * project's root, so a bundled package with an SDK version of its own would get the root's: none
 * has one today.
 */
const REQUIRED = /^@(aws-sdk|smithy)\//;

/**
 * `require` for the packages loaded through it, and for the bundled CommonJS packages' own
 * `require` of Node's modules, which an ES module lacks.
 */
export const REQUIRE_BANNER =
  "import { createRequire as __precompileRequire } from 'node:module';\nconst require = __precompileRequire(import.meta.url);";

/** The bundle's entry, a module of the plugin's own: it sets up, then imports the command. */
export const NAMESPACE = 'precompile';
export const ENTRY = `${NAMESPACE}:main`;

/** The files esbuild tries for an import without an extension (an editor's swap file is not). */
export const MODULE_FILE = /\.([cm]?[jt]sx?|json)$/;

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
 * Whether a path, relative to the project's root (as esbuild's metafile has it), is a package's:
 * a project checked out under a folder named node_modules is still the project.
 */
export function isPackageFile(/** @type {string} */ path) {
  return path.split(/[\\/]/).includes('node_modules');
}

/**
 * The package.json of the package that holds a file (relative to the root): how the package
 * resolves (`main`, `exports`) shapes the build as its files do.
 */
export function packageJsonOf(/** @type {string} */ path) {
  const parts = path.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  const scoped = parts[at + 1]?.startsWith('@') ? 1 : 0;
  return join(...parts.slice(0, at + 2 + scoped), 'package.json');
}

/**
 * An esbuild plugin that loads the project's files (not packages') itself: it records what it
 * read, for the build's hash, and gives each file that uses `import.meta` its original file's
 * URL, path and folder in place of the bundle's. It routes each package to how it is loaded.
 *
 * @param {string} root
 * @param {string} entry the command's source
 * @param {Map<string, string>} inputs filled with each file's path (relative to `root`) and text
 * @param {typeof import('esbuild').transform} transform
 * @returns {import('esbuild').Plugin}
 */
export function projectFiles(root, entry, inputs, transform) {
  return {
    name: 'project-files',
    setup(build) {
      const tsconfigRaw = tsconfigOf(root);
      build.onResolve({ filter: /^precompile:main$/ }, () => ({
        path: 'main',
        namespace: NAMESPACE,
      }));
      build.onResolve({ filter: /^[^./]/ }, ({ path, kind, namespace }) =>
        packageImport(path, kind, namespace),
      );
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
        if (isPackageFile(relative(root, path))) return packageFile(path, transform);
        const source = await readFile(path, 'utf8');
        inputs.set(relative(root, path), source);
        return projectFile(path, source, tsconfigRaw, transform);
      });
    },
  };
}

/**
 * How an import of a package (or a bare name) is resolved: Node's modules and {@link EXTERNAL}
 * as they are; the SDK's through `require`, but for a dynamic import, which Node gives its named
 * exports; any other package dynamically imported refused, since a chunk of the bundle would keep
 * only its default export; the rest bundled.
 *
 * @param {string} path
 * @param {import('esbuild').ImportKind} kind
 * @param {string} namespace
 * @returns {import('esbuild').OnResolveResult | undefined}
 */
function packageImport(path, kind, namespace) {
  // An absolute path (the entry's import of the command, C:\... on Windows) is a file.
  if (isBuiltin(path) || isAbsolute(path)) return undefined;
  if (EXTERNAL.some((name) => path === name || path.startsWith(`${name}/`))) return undefined;
  const required = REQUIRED.test(path);
  if (kind === 'dynamic-import') {
    if (required) return { path, external: true };
    return { errors: [{ text: dynamicImportError(path) }] };
  }
  if (!required) return undefined;
  // `require(path)` in the module below; any other import of it, that module.
  if (namespace === NAMESPACE) return { path, external: true };
  return { path: `require:${path}`, namespace: NAMESPACE };
}

/** Why a dynamic import of package `name` cannot be bundled, and what to do instead. */
function dynamicImportError(/** @type {string} */ name) {
  return `import('${name}'): import a package dynamically through a module of the project`;
}

/**
 * A project file as the bundle loads it: as it is, unless it uses `import.meta`, which then names
 * the file itself.
 *
 * @param {string} path
 * @param {string} source
 * @param {string | undefined} tsconfigRaw
 * @param {typeof import('esbuild').transform} transform
 * @returns {Promise<import('esbuild').OnLoadResult>}
 */
async function projectFile(path, source, tsconfigRaw, transform) {
  const loader = LOADERS[extname(path)] ?? 'js';
  if (loader === 'json' || !source.includes('import.meta')) return { contents: source, loader };
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
    define: ownPlace(path),
  });
  return { contents: code, loader: 'js' };
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
      ...ownPlace(path),
      __dirname: JSON.stringify(dirname(path)),
      __filename: JSON.stringify(path),
    },
  });
  return { contents: code, loader: 'js' };
}

/** What `import.meta` says of the file at `path`, as esbuild defines. */
function ownPlace(/** @type {string} */ path) {
  return {
    'import.meta.url': JSON.stringify(pathToFileURL(path).href),
    'import.meta.filename': JSON.stringify(path),
    'import.meta.dirname': JSON.stringify(dirname(path)),
  };
}

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

/** The project's tsconfig.json, for the files transformed on their own (as the bundle reads it). */
function tsconfigOf(/** @type {string} */ root) {
  try {
    return readFileSync(join(root, 'tsconfig.json'), 'utf8');
  } catch {
    return undefined;
  }
}
