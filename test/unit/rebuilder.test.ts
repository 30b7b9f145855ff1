import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Rebuilder } from '../../local/dev/rebuilder';

let root: string;
let rebuilder: Rebuilder;

/** Writes `files` under the project, making directories as needed. */
function write(files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rebuilder-'));
  // index.ts reads value.ts through a file that only re-exports: no code of its own, so a source
  // map names index.ts and value.ts but not barrel.ts.
  write({
    'functions/probe/index.ts':
      "import { value } from './barrel';\nexport const handler = async () => value;\n",
    'functions/probe/barrel.ts': "export * from './value';\n",
    'functions/probe/value.ts': 'export const value = 1;\n',
    'functions/probe/other.ts': 'export const other = 2;\n',
  });
  rebuilder = new Rebuilder(root, join(root, '.dev'));
});
afterEach(async () => {
  await rebuilder.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('rebuilding a bundle kept at start', () => {
  it('builds nothing at start, then rebuilds on a change to a file its map does not name', async () => {
    const fromMap = new Set(['index.ts', 'value.ts'].map((f) => join(root, 'functions/probe', f)));
    const started = await rebuilder.start([
      { name: 'probe', entry: 'functions/probe/index.ts', current: fromMap },
    ]);
    expect(started).toMatchObject({ ok: true, changed: [] });

    const barrel = join(root, 'functions/probe/barrel.ts');
    write({ 'functions/probe/barrel.ts': "export * from './value';\nexport const more = 3;\n" });
    const rebuilt = await rebuilder.rebuild(new Set([barrel]));
    expect(rebuilt.ok && rebuilt.changed.map((f) => f.name)).toEqual(['probe']);

    // Built once, it knows what it reads: a file nobody reads rebuilds nothing.
    const other = await rebuilder.rebuild(new Set([join(root, 'functions/probe/other.ts')]));
    expect(other).toMatchObject({ ok: true, changed: [] });
  });
});
