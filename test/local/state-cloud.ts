/**
 * A local cloud that commands find through its state file, as they find a user's: one per test
 * file, for the files that run commands against it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local/cloud';

/** The cloud, its temporary directory and its state file; set once the file's setup has run. */
export interface StateCloud {
  readonly cloud: LocalCloud;
  readonly dir: string;
  readonly stateFile: string;
}

/**
 * Starts the pipeline at the template's concurrency, with batching windows of 0.1 s (a message
 * crosses it in well under a second) and a state file in a directory of its own, before the
 * file's tests; stops it and removes the directory after them.
 */
export function useStateCloud(prefix: string): StateCloud {
  const state = {} as { cloud: LocalCloud; dir: string; stateFile: string };
  beforeAll(async () => {
    state.dir = mkdtempSync(join(tmpdir(), prefix));
    state.stateFile = join(state.dir, 'state.json');
    state.cloud = await startLocalCloud({
      assemblyDir: inject('pipelineAssembly'),
      port: 0,
      stateFile: state.stateFile,
      timeScale: 10,
      log: () => {},
    });
  });
  afterAll(async () => {
    await state.cloud?.stop();
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  });
  return state;
}
