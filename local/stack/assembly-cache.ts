/**
 * Cloud assemblies kept by what they were made from: `outdir/<hash>`, where the hash covers the
 * input files and anything else the synth depends on. A synth writes beside its final directory
 * and renames it into place, so a concurrent run (a test suite and `npm start`) never sees a
 * half-written assembly; the newest few are kept and the rest removed, except those a running
 * process holds: a local cloud reads its assembly's template and bundles for as long as it runs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { hold, letGo, markUsed, moveIntoPlace, pruneKept } from './kept-dirs.mjs';

/** Assemblies kept per output directory beside the held ones; older ones go when a new one is made. */
const KEEP = 3;

/**
 * sha256 (first 16 hex digits) of every file under `inputs` (paths relative to `root`, files or
 * directories), by path and content, and of `extra` (the context, the props: what else shapes
 * the assembly).
 */
export function hashInputs(root: string, inputs: readonly string[], extra: unknown): string {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap((input) => filesUnder(join(root, input)))) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  hash.update(JSON.stringify(extra));
  return hash.digest('hex').slice(0, 16);
}

/** One assembly's place in the cache: where it is, and where a synth of it writes first. */
export interface AssemblySlot {
  readonly assemblyDir: string;
  /** Whether the assembly is there already (its manifest written). */
  readonly done: boolean;
  /** This process's own directory to synthesize into, then {@link AssemblySlot.commit}. */
  readonly staging: string;
  /** Moves the staging directory into place (or keeps another process's, if it won) and prunes. */
  commit(): string;
  /** Removes the staging directory of a failed synth. */
  abandon(): void;
}

/** The slot for the assembly `hash` in `outdir`; a missing one gets an empty staging directory. */
export function assemblySlot(outdir: string, hash: string): AssemblySlot {
  const assemblyDir = join(outdir, hash);
  const staging = `${assemblyDir}.${process.pid}.tmp`;
  const done = existsSync(join(assemblyDir, 'manifest.json'));
  if (done) markUsed(assemblyDir);
  else rmSync(staging, { recursive: true, force: true });
  return {
    assemblyDir,
    done,
    staging,
    commit() {
      // Another process may have made the same assembly first: then theirs is used.
      moveIntoPlace(staging, assemblyDir, 'manifest.json');
      pruneOlder(outdir, hash);
      return assemblyDir;
    },
    abandon() {
      rmSync(staging, { recursive: true, force: true });
    },
  };
}

/** How many times this process holds each assembly directory. */
const held = new Map<string, number>();

/**
 * Marks `assemblyDir` as in use by this process, so that no process prunes it, until
 * {@link releaseAssembly} or the end of the process (a holder whose process is gone holds nothing).
 */
export function holdAssembly(assemblyDir: string): void {
  const count = held.get(assemblyDir) ?? 0;
  held.set(assemblyDir, count + 1);
  if (count > 0) return;
  hold(assemblyDir);
}

/** Undoes one {@link holdAssembly}; the last one lets the assembly be pruned again. */
export function releaseAssembly(assemblyDir: string): void {
  const count = held.get(assemblyDir) ?? 0;
  if (count > 1) {
    held.set(assemblyDir, count - 1);
    return;
  }
  held.delete(assemblyDir);
  letGo(assemblyDir);
}

/**
 * Removes all but the newest {@link KEEP} assemblies in `outdir` (`current` among them) that no
 * process holds, and staging directories an interrupted synth left behind more than an hour ago.
 */
function pruneOlder(outdir: string, current: string): void {
  pruneKept(outdir, {
    current,
    keep: KEEP - 1,
    isEntry: (name) => /^[0-9a-f]{16}$/.test(name),
    isStaging: (name) => name.endsWith('.tmp'),
    staleMs: 3_600_000,
  });
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}
