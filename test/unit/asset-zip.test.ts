/**
 * A stack's file assets zipped as npm start publishes them: an asset directory named by its hash
 * is zipped once and kept in the assembly's `.cache`, where the next start reads it.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ASSET_ZIPS, assetZip } from '../../local/stack/deploy';

let assembly: string;
beforeEach(() => {
  assembly = mkdtempSync(join(tmpdir(), 'asset-zip-'));
});
afterEach(() => rmSync(assembly, { recursive: true, force: true }));

/** An asset directory in the assembly with an index.js and a nested file. */
function assetDir(name: string): string {
  const dir = join(assembly, name);
  mkdirSync(join(dir, 'lib'), { recursive: true });
  writeFileSync(join(dir, 'index.js'), 'exports.handler = 1;\n');
  writeFileSync(join(dir, 'lib', 'util.js'), 'exports.util = 2;\n');
  return dir;
}

describe('assetZip', () => {
  it('zips a hashed asset directory once, then reads the zip it kept', () => {
    const name = `asset.${'a'.repeat(64)}`;
    const zip = assetZip(assetDir(name));
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(['index.js', 'lib/util.js']);
    expect(strFromU8(files['index.js'] ?? new Uint8Array())).toBe('exports.handler = 1;\n');

    const kept = join(assembly, ASSET_ZIPS, `${name}.stored.zip`);
    expect(readdirSync(join(assembly, ASSET_ZIPS))).toEqual([`${name}.stored.zip`]);
    writeFileSync(kept, 'kept');
    expect(Buffer.from(assetZip(join(assembly, name))).toString()).toBe('kept');
  });

  it('zips any other directory each time, keeping nothing', () => {
    const zip = assetZip(assetDir('handler'));
    expect(Object.keys(unzipSync(zip)).sort()).toEqual(['index.js', 'lib/util.js']);
    expect(existsSync(join(assembly, ASSET_ZIPS))).toBe(false);
  });
});
