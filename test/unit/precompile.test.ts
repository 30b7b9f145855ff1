/**
 * commands/precompile.mjs: `npm start`'s engine bundled into JavaScript that plain Node runs, kept
 * while its inputs stay the same, rebuilt when one changes, and tsx's loader when it cannot build.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { usageLine } from '../../commands/cli';
import { nodeArguments, precompile } from '../../commands/precompile.mjs';
import { START } from '../../commands/start';

let root: string;
let cacheDir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'precompile-'));
  cacheDir = join(root, '.cache');
  mkdirSync(join(root, 'lib'));
  // A module that resolves a path against itself, and holds the same words in a string.
  writeFileSync(
    join(root, 'lib', 'where.ts'),
    "export const where: string = new URL('./data.txt', import.meta.url).href;\nexport const text = 'import.meta.url';\n",
  );
  writeFileSync(
    join(root, 'lib', 'boom.ts'),
    "export function boom(): never {\n  throw new Error('boom');\n}\n",
  );
  writeFileSync(
    join(root, 'cmd.ts'),
    [
      "import { boom } from './lib/boom';",
      "import { text, where } from './lib/where';",
      '',
      'const meta: string = import.meta.url;',
      'console.log(JSON.stringify({ where, text, meta, main: process.argv[1], argv: process.argv.slice(2) }));',
      "if (process.argv[2] === 'throw') boom();",
      '',
    ].join('\n'),
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Runs `file` with plain Node, no loader. */
function run(file: string, ...args: string[]) {
  return spawnSync(process.execPath, [file, ...args], { encoding: 'utf8' });
}

describe("npm start's precompiled engine", () => {
  it('runs with plain Node, each file keeping its own import.meta.url, argv[1] naming the source', async () => {
    const { file, built } = await precompile(join(root, 'cmd.ts'), { root, cacheDir });
    expect(built).toBe(true);
    const out = run(file, 'a', '--b');
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      where: pathToFileURL(join(root, 'lib', 'data.txt')).href,
      // The words in a string are left alone.
      text: 'import.meta.url',
      meta: pathToFileURL(join(root, 'cmd.ts')).href,
      main: join(root, 'cmd.ts'),
      argv: ['a', '--b'],
    });
  });

  it("names the .ts sources' lines in stack traces", async () => {
    const { file } = await precompile(join(root, 'cmd.ts'), { root, cacheDir });
    const out = run(file, 'throw');
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`at boom (${join(root, 'lib', 'boom.ts')}:2:9)`);
    // cmd.ts is transformed on its own first (it uses import.meta): its map is followed too.
    expect(out.stderr).toContain(`(${join(root, 'cmd.ts')}:6:`);
  });

  it('is reused until a file it was made from changes or goes, then rebuilt', async () => {
    const first = await precompile(join(root, 'cmd.ts'), { root, cacheDir });
    const again = await precompile(join(root, 'cmd.ts'), { root, cacheDir });
    expect(again).toEqual({ ...first, built: false });

    writeFileSync(
      join(root, 'lib', 'where.ts'),
      "export const where = 'here';\nexport const text = '';\n",
    );
    const changed = await precompile(join(root, 'cmd.ts'), { root, cacheDir });
    expect(changed.built).toBe(true);
    expect(changed.hash).not.toBe(first.hash);
    expect(JSON.parse(run(changed.file).stdout).where).toBe('here');

    // A removed input: the next start builds from what is there, and reports the error.
    rmSync(join(root, 'lib', 'boom.ts'));
    await expect(precompile(join(root, 'cmd.ts'), { root, cacheDir })).rejects.toThrow(/boom/);
    writeFileSync(join(root, 'lib', 'boom.ts'), 'export function boom() {}\n');
    expect((await precompile(join(root, 'cmd.ts'), { root, cacheDir })).built).toBe(true);
  });

  it("rebuilds when a new file changes what an import resolves to, not for an editor's swap file", async () => {
    mkdirSync(join(root, 'lib', 'thing'));
    writeFileSync(join(root, 'lib', 'thing', 'index.ts'), "export const thing = 'folder';\n");
    writeFileSync(
      join(root, 'other.ts'),
      "import { thing } from './lib/thing';\nconsole.log(thing);\n",
    );
    const entry = join(root, 'other.ts');
    const first = await precompile(entry, { root, cacheDir });
    expect(run(first.file).stdout).toBe('folder\n');

    writeFileSync(join(root, 'lib', '.thing.ts.swp'), '');
    expect((await precompile(entry, { root, cacheDir })).built).toBe(false);

    // `./lib/thing` now means lib/thing.ts, though no file the build read has changed.
    writeFileSync(join(root, 'lib', 'thing.ts'), "export const thing = 'file';\n");
    const second = await precompile(entry, { root, cacheDir });
    expect(second.built).toBe(true);
    expect(run(second.file).stdout).toBe('file\n');
  });

  it('bundles packages, each file finding its own files; rebuilt when a package file is edited', async () => {
    // A CommonJS package that reads a file beside it, and an ES module one that names its URL.
    const pkg = (name: string, files: Record<string, string>) => {
      mkdirSync(join(root, 'node_modules', name), { recursive: true });
      for (const [file, text] of Object.entries(files))
        writeFileSync(join(root, 'node_modules', name, file), text);
    };
    const readsData =
      "module.exports = require('node:fs').readFileSync(require('node:path').join(__dirname, 'data.txt'), 'utf8');\n";
    pkg('beside', {
      'package.json': '{"main": "index.js"}',
      'index.js': readsData,
      'data.txt': 'one',
    });
    pkg('named', {
      'package.json': '{"type": "module", "exports": "./index.js"}',
      'index.js': 'export const url = import.meta.url;\n',
    });
    writeFileSync(
      join(root, 'pkgs.ts'),
      "import data from 'beside';\nimport { url } from 'named';\nconsole.log(JSON.stringify({ data, url }));\n",
    );
    const entry = join(root, 'pkgs.ts');
    const first = await precompile(entry, { root, cacheDir });
    // In the bundle: it runs with the packages' code gone, their other files still there.
    rmSync(join(root, 'node_modules', 'named', 'index.js'));
    expect(JSON.parse(run(first.file).stdout)).toEqual({
      data: 'one',
      url: pathToFileURL(join(root, 'node_modules', 'named', 'index.js')).href,
    });
    writeFileSync(join(root, 'node_modules', 'named', 'index.js'), 'export const url = 1;\n');

    writeFileSync(join(root, 'node_modules', 'beside', 'index.js'), `${readsData}// edited\n`);
    utimesSync(join(root, 'node_modules', 'beside', 'index.js'), 2_000_000, 2_000_000);
    const edited = await precompile(entry, { root, cacheDir });
    expect(edited.built).toBe(true);
    expect(JSON.parse(run(edited.file).stdout)).toEqual({ data: 'one', url: 1 });

    // Only its package.json changes: what the package resolves to does.
    writeFileSync(join(root, 'node_modules', 'beside', 'other.js'), "module.exports = 'two';\n");
    writeFileSync(join(root, 'node_modules', 'beside', 'package.json'), '{"main": "other.js"}');
    const resolved = await precompile(entry, { root, cacheDir });
    expect(resolved.built).toBe(true);
    expect(JSON.parse(run(resolved.file).stdout)).toEqual({ data: 'two', url: 1 });
  });

  it("leaves the AWS SDK's packages to Node: require, or its own import() for a dynamic one", async () => {
    const sdk = join(root, 'node_modules', '@aws-sdk', 'client-probe');
    mkdirSync(sdk, { recursive: true });
    writeFileSync(join(sdk, 'package.json'), '{"main": "index.js"}');
    writeFileSync(join(sdk, 'index.js'), "exports.Probe = 'installed';\n");
    writeFileSync(
      join(root, 'sdk.ts'),
      [
        "import { Probe } from '@aws-sdk/client-probe';",
        "const { Probe: later } = await import('@aws-sdk/client-probe');",
        'console.log(Probe, later);',
        '',
      ].join('\n'),
    );
    const { file } = await precompile(join(root, 'sdk.ts'), { root, cacheDir });
    const bundle = readdirSync(dirname(file))
      .filter((name) => name.endsWith('.mjs'))
      .map((name) => readFileSync(join(dirname(file), name), 'utf8'))
      .join('\n');
    expect(bundle).toContain('require("@aws-sdk/client-probe")');
    expect(bundle).not.toMatch(/from\s*"@aws-sdk\/client-probe"/);
    // Read when the command runs, named exports and all.
    writeFileSync(join(sdk, 'index.js'), "exports.Probe = 'upgraded';\n");
    expect(run(file).stdout).toBe('upgraded upgraded\n');
  });

  it('refuses a package imported dynamically, which a chunk would cut to its default export', async () => {
    mkdirSync(join(root, 'node_modules', 'lazy'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'lazy', 'index.js'), 'exports.lazy = 1;\n');
    writeFileSync(
      join(root, 'late.ts'),
      "const { lazy } = await import('lazy');\nconsole.log(lazy);\n",
    );
    await expect(precompile(join(root, 'late.ts'), { root, cacheDir })).rejects.toThrow(
      "import('lazy'): import a package dynamically through a module of the project",
    );
  });

  it('survives two starts building at once: one build, no staging left', async () => {
    const [a, b] = await Promise.all([
      precompile(join(root, 'cmd.ts'), { root, cacheDir }),
      precompile(join(root, 'cmd.ts'), { root, cacheDir }),
    ]);
    expect(a.file).toBe(b.file);
    expect(readdirSync(join(cacheDir, 'cmd')).sort()).toEqual([a.hash, 'current.json'].sort());
    expect(run(a.file).status).toBe(0);
  });

  it('keeps the three newest builds and any a live process holds, and removes the rest', async () => {
    const where = join(root, 'lib', 'where.ts');
    const build = async (i: number) => {
      writeFileSync(where, `export const where = '${i}';\nexport const text = '';\n`);
      return dirname((await precompile(join(root, 'cmd.ts'), { root, cacheDir })).file);
    };
    const builds = [];
    for (let i = 0; i < 5; i++) builds.push(await build(i));
    // This process holds them all, since it could still import their chunks: none went.
    expect(readdirSync(join(cacheDir, 'cmd'))).toHaveLength(6);
    // As if the processes that ran them had ended, oldest first; the oldest one still running.
    for (const [i, dir] of builds.entries()) {
      if (i > 0) rmSync(join(dir, '.held-by'), { recursive: true });
      utimesSync(dir, 1_000_000 + i, 1_000_000 + i);
    }
    const last = await build(5);
    expect(readdirSync(join(cacheDir, 'cmd')).sort()).toEqual(
      [last, builds[0], builds[2], builds[3], builds[4], join(cacheDir, 'cmd', 'current.json')]
        .map((path) => basename(path ?? ''))
        .sort(),
    );
  });

  it("falls back to tsx's loader, saying why, when the command does not build", async () => {
    writeFileSync(join(root, 'cmd.ts'), 'const = ;\n');
    const warnings: string[] = [];
    const args = await nodeArguments(join(root, 'cmd.ts'), ['--x'], { root, cacheDir }, (line) =>
      warnings.push(line),
    );
    expect(args.slice(-2)).toEqual([join(root, 'cmd.ts'), '--x']);
    expect(args).toContain('--import');
    expect(args.some((arg) => arg.includes('tsx'))).toBe(true);
    expect(warnings).toEqual([
      expect.stringMatching(
        /cmd\.ts did not precompile, so it runs under tsx's loader: .*Expected/s,
      ),
    ]);
    expect(existsSync(join(cacheDir, 'cmd'))).toBe(false);
  });

  it('runs npm start itself with no loader: its --help from the bundle', async () => {
    // In the cache npm start uses: packages resolve from the bundle's place, in the project.
    const args = await nodeArguments('commands/start.ts', ['--help']);
    expect(args.some((arg) => arg.includes('tsx'))).toBe(false);
    const out = spawnSync(process.execPath, args, { encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(out.stdout.split('\n')[0]).toBe(usageLine(START));
  });
});
