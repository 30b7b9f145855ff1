import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockStateDir, StateLockedError } from '../../local/state/lock';
import { ensureWritableDir, UnusableDirectoryError } from '../../local/state/writable-dir';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'string-pipeline-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that no process has any more: a child that already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

/** A live process other than this one: the parent of this test worker. */
const livePid = process.ppid;

describe('the state directory lock', () => {
  it('refuses a second holder while the first is alive, naming its pid, start and endpoint', () => {
    const holder = {
      pid: livePid,
      startedAt: '2026-11-25T10:00:00.000Z',
      endpoint: 'http://127.0.0.1:4566',
    };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(holder));

    expect(() => lockStateDir(dir)).toThrow(StateLockedError);
    expect(() => lockStateDir(dir)).toThrow(
      `A local cloud is already running with state directory ${dir}: pid ${livePid}, started 2026-11-25T10:00:00.000Z, endpoint http://127.0.0.1:4566.`,
    );
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toEqual(holder);
  });

  it('takes over a lock whose process is gone', () => {
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: deadPid(), startedAt: '2026-11-25T10:00:00.000Z' }),
    );

    const lock = lockStateDir(dir);

    expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('records the endpoint, and releasing removes only its own lock', () => {
    const lock = lockStateDir(dir);
    lock.setEndpoint('http://127.0.0.1:1234');
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).endpoint).toBe('http://127.0.0.1:1234');
    lock.release();
    expect(existsSync(lock.file)).toBe(false);

    const again = lockStateDir(dir);
    const someoneElse = { pid: livePid, startedAt: '2026-11-25T11:00:00.000Z' };
    writeFileSync(again.file, JSON.stringify(someoneElse));
    again.release();
    expect(JSON.parse(readFileSync(again.file, 'utf8'))).toEqual(someoneElse);
  });
});

describe('directories the local cloud writes to', () => {
  it('are created with their parents', () => {
    ensureWritableDir(join(dir, 'a', 'b'), 'the --data directory');
    expect(existsSync(join(dir, 'a', 'b'))).toBe(true);
  });

  it.each([
    ['/proc/nope', /^Cannot use \/proc\/nope as the --data directory: cannot create it \(ENOENT/],
    ['/proc', /^Cannot use \/proc as the --data directory: it is not writable/],
  ])('%s is refused at once, not looped on', (path, message) => {
    expect(() => ensureWritableDir(path, 'the --data directory')).toThrow(message);
  });

  it('a regular file, or a path through one, is refused naming it', () => {
    const file = join(dir, 'file');
    writeFileSync(file, '');
    expect(() => ensureWritableDir(file, 'the --data directory')).toThrow(
      new UnusableDirectoryError(
        `Cannot use ${file} as the --data directory: it is not a directory`,
      ),
    );
    expect(() => ensureWritableDir(join(file, 'sub'), 'the --data directory')).toThrow(/ENOTDIR/);
  });
});
