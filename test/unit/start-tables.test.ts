import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runTables, tablesDirOf } from '../../local/session/tables';
import { isWithin } from '../../local/state/writable-dir';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});
function home(): string {
  const dir = mkdtempSync(join(tmpdir(), 'start-tables-'));
  homes.push(dir);
  return dir;
}

describe("npm start's tables", () => {
  it('empties what a killed run left in the state directory, and removes it when discarded', () => {
    const dir = home();
    mkdirSync(join(tablesDirOf(dir), 'old'), { recursive: true });
    writeFileSync(join(tablesDirOf(dir), 'old', 'LOCK'), '');
    const tables = runTables(dir, undefined);
    expect(tables.dir).toBe(join(dir, 'tables'));
    expect(existsSync(tables.dir)).toBe(false);
    mkdirSync(tables.dir);
    tables.discard();
    expect(existsSync(tables.dir)).toBe(false);
  });

  it('keeps a --data directory and what is in it', () => {
    const dir = home();
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'CURRENT'), 'kept');
    const tables = runTables(dir, data);
    tables.discard();
    expect(tables.dir).toBe(data);
    expect(existsSync(join(data, 'CURRENT'))).toBe(true);
  });
});

describe('isWithin', () => {
  it('is true for the directory itself and anything below it, false beside or above it', () => {
    expect(isWithin('/a/tables', '/a/tables')).toBe(true);
    expect(isWithin('/a/tables/x/y', '/a/tables')).toBe(true);
    expect(isWithin('/a/tables2', '/a/tables')).toBe(false);
    expect(isWithin('/a/..tables', '/a/tables')).toBe(false);
    expect(isWithin('/a', '/a/tables')).toBe(false);
    expect(isWithin('/b/tables', '/a/tables')).toBe(false);
    expect(isWithin('/a/tables/../other', '/a/tables')).toBe(false);
  });
});
