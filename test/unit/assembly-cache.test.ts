import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assemblySlot,
  hashInputs,
  holdAssembly,
  releaseAssembly,
} from '../../local/stack/assembly-cache';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'assembly-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes what a synth would: a manifest, into the slot's staging directory. */
function synthInto(staging: string, content: string): void {
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'manifest.json'), content);
}

describe('the assembly cache', () => {
  it('hashes the input files and the extra value, so a change to either makes a new assembly', () => {
    writeFileSync(join(dir, 'a.ts'), 'one');
    const first = hashInputs(dir, ['a.ts'], { batchSize: 1 });
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(hashInputs(dir, ['a.ts'], { batchSize: 1 })).toBe(first);
    expect(hashInputs(dir, ['a.ts'], { batchSize: 2 })).not.toBe(first);
    writeFileSync(join(dir, 'a.ts'), 'two');
    expect(hashInputs(dir, ['a.ts'], { batchSize: 1 })).not.toBe(first);
  });

  it('finds an assembly once it is committed, and keeps the first when two processes make it', () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    const slot = assemblySlot(out, 'aaaaaaaaaaaaaaaa');
    expect(slot.done).toBe(false);
    synthInto(slot.staging, 'ours');
    // Another process finished the same assembly first and renamed it into place.
    synthInto(join(out, 'aaaaaaaaaaaaaaaa'), 'theirs');

    expect(slot.commit()).toBe(join(out, 'aaaaaaaaaaaaaaaa'));

    expect(readFileSync(join(out, 'aaaaaaaaaaaaaaaa', 'manifest.json'), 'utf8')).toBe('theirs');
    expect(readdirSync(out)).toEqual(['aaaaaaaaaaaaaaaa']);
    expect(assemblySlot(out, 'aaaaaaaaaaaaaaaa').done).toBe(true);
  });

  it('keeps the newest three assemblies when it commits one, and removes an abandoned synth', () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    const old = ['0000000000000001', '0000000000000002', '0000000000000003'];
    old.forEach((hash, i) => {
      synthInto(join(out, hash), hash);
      const t = Date.now() / 1000 - 100 + i;
      utimesSync(join(out, hash), t, t);
    });
    const slot = assemblySlot(out, '0000000000000004');
    synthInto(slot.staging, 'new');
    slot.commit();
    expect(readdirSync(out).sort()).toEqual([
      '0000000000000002',
      '0000000000000003',
      '0000000000000004',
    ]);

    const failed = assemblySlot(out, '0000000000000005');
    synthInto(failed.staging, 'half');
    failed.abandon();
    expect(readdirSync(out)).not.toContain(`0000000000000005.${process.pid}.tmp`);
  });

  it('never prunes an assembly a live process holds, and forgets holders that are gone', () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    const running = join(out, '00000000000000aa');
    const orphan = join(out, '00000000000000bb');
    for (const [i, path] of [running, orphan].entries()) {
      synthInto(path, 'old');
      const t = Date.now() / 1000 - 1000 + i;
      utimesSync(path, t, t);
    }
    holdAssembly(running);
    // A holder whose process has ended (pids do not go this high).
    mkdirSync(join(orphan, '.held-by'));
    writeFileSync(join(orphan, '.held-by', '4194305'), '');
    for (const hash of ['0000000000000001', '0000000000000002', '0000000000000003']) {
      const slot = assemblySlot(out, hash);
      synthInto(slot.staging, hash);
      slot.commit();
    }
    expect(readdirSync(out).sort()).toEqual([
      '0000000000000001',
      '0000000000000002',
      '0000000000000003',
      '00000000000000aa',
    ]);

    releaseAssembly(running);
    const slot = assemblySlot(out, '0000000000000004');
    synthInto(slot.staging, 'new');
    slot.commit();
    expect(readdirSync(out)).not.toContain('00000000000000aa');
  });

  it('forgets the holders that are gone whenever a process holds an assembly, even the newest', () => {
    const running = join(dir, 'out', '00000000000000cc');
    synthInto(running, 'x');
    const holders = join(running, '.held-by');
    mkdirSync(holders);
    // One holder whose process has ended (pids do not go this high), and a live one.
    writeFileSync(join(holders, '4194305'), '');
    writeFileSync(join(holders, String(process.ppid)), '');
    holdAssembly(running);
    try {
      expect(readdirSync(holders).sort()).toEqual(
        [String(process.pid), String(process.ppid)].sort(),
      );
    } finally {
      releaseAssembly(running);
    }
  });

  it('counts an assembly found in the cache as just used, so it is kept over older ones', () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    const hashes = ['0000000000000001', '0000000000000002', '0000000000000003'];
    hashes.forEach((hash, i) => {
      synthInto(join(out, hash), hash);
      const t = Date.now() / 1000 - 100 + i;
      utimesSync(join(out, hash), t, t);
    });
    expect(assemblySlot(out, '0000000000000001').done).toBe(true);
    const slot = assemblySlot(out, '0000000000000004');
    synthInto(slot.staging, 'new');
    slot.commit();
    expect(readdirSync(out).sort()).toEqual([
      '0000000000000001',
      '0000000000000003',
      '0000000000000004',
    ]);
  });
});
