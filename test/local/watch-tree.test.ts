import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { watchInfrastructure } from '../../local/dev/infra-watcher';
import { watchFile, watchTree } from '../../local/dev/watch-tree';

/** Resolves when `seen` has been called for `path` since `from` calls, or rejects after 5 s. */
function seenAfter(seen: string[], from: number, path: string, notify: Set<() => void>) {
  return new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`save ${from} of ${path} not seen`)), 5000);
    const check = () => {
      if (!seen.slice(from).includes(path)) return;
      clearTimeout(timer);
      notify.delete(check);
      done();
    };
    notify.add(check);
    check();
  });
}

describe('watching the sources npm run dev follows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'watch-tree-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sees every one of many saves of one file, written in place or replaced by rename', async () => {
    const lib = join(dir, 'lib');
    mkdirSync(join(lib, 'constructs'), { recursive: true });
    const file = join(lib, 'constructs', 'config.ts');
    writeFileSync(file, 'v0');
    const seen: string[] = [];
    const notify = new Set<() => void>();
    const watcher = watchTree(lib, (path) => {
      seen.push(path);
      for (const check of [...notify]) check();
    });
    try {
      for (let save = 1; save <= 20; save++) {
        const from = seen.length;
        if (save % 4 === 0) {
          writeFileSync(`${file}.swp`, `v${save}`);
          renameSync(`${file}.swp`, file);
        } else writeFileSync(file, `v${save}`);
        await seenAfter(seen, from, file, notify);
      }
      // A directory made after the watch started is watched too.
      const made = join(lib, 'made-later');
      mkdirSync(made);
      await seenAfter(seen, 0, made, notify);
      const from = seen.length;
      writeFileSync(join(made, 'x.ts'), 'x');
      await seenAfter(seen, from, join(made, 'x.ts'), notify);
    } finally {
      watcher.close();
    }
  });

  it('sees a file replaced by rename again and again, where a watch of the file would go blind', async () => {
    const file = join(dir, 'cdk.json');
    writeFileSync(file, '{}');
    const seen: string[] = [];
    const notify = new Set<() => void>();
    const watcher = watchFile(file, (path) => {
      seen.push(path);
      for (const check of [...notify]) check();
    });
    try {
      for (let save = 1; save <= 5; save++) {
        const from = seen.length;
        writeFileSync(`${file}.tmp`, `{"save":${save}}`);
        renameSync(`${file}.tmp`, file);
        await seenAfter(seen, from, file, notify);
      }
    } finally {
      watcher.close();
    }
  });

  it('applies one change per burst of saves, one at a time', async () => {
    const root = join(dir, 'app');
    mkdirSync(join(root, 'lib'), { recursive: true });
    writeFileSync(join(root, 'cdk.json'), '{}');
    let applied = 0;
    let next: () => void = () => {};
    const watcher = watchInfrastructure(
      root,
      async () => {
        applied += 1;
        next();
      },
      (error) => {
        throw error;
      },
    );
    try {
      for (let change = 1; change <= 3; change++) {
        const done = new Promise<void>((resolve) => {
          next = resolve;
        });
        // A burst: an editor writing, then a formatter writing again.
        writeFileSync(join(root, 'lib', 'stack.ts'), `// change ${change}`);
        writeFileSync(join(root, 'lib', 'stack.ts'), `// change ${change}, formatted`);
        await done;
        expect(applied).toBe(change);
      }
      const done = new Promise<void>((resolve) => {
        next = resolve;
      });
      writeFileSync(join(root, 'cdk.json'), '{"context":{}}');
      await done;
      expect(applied).toBe(4);
    } finally {
      await watcher.close();
    }
  });
});
