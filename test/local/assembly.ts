import {
  copyFileSync,
  cpSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { inject } from 'vitest';
import { assemblySlot } from '../../local/stack/assembly-cache';
import { ASSET_ZIPS } from '../../local/stack/deploy';
import { HOLDERS } from '../../local/stack/kept-dirs.mjs';

/**
 * Copies the assembly in `from` to `to`, all but the files that say which processes hold it (a copy
 * is held by none, and the seeded ones are held by no test yet). The files of its asset directories
 * (each function's bundle and source map, 2.3 MB in all, which nothing writes) and of its kept
 * asset zips are hard links to the originals, the rest copies the tests may rewrite: copying the
 * assets again for every test's assembly took 3.5 of the local tests' CPU-s. A file that cannot be
 * linked (another file system) is copied.
 */
export function copyAssembly(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.name === HOLDERS) continue;
    const source = join(from, entry.name);
    if (entry.isDirectory() && (entry.name.startsWith('asset.') || entry.name === ASSET_ZIPS))
      linkFiles(source, join(to, entry.name));
    else cpSync(source, join(to, entry.name), { recursive: true });
  }
}

/** Hard-links every file under `from` into the same place under `to`. */
function linkFiles(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) linkFiles(source, target);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}

/** The parts of a CloudFormation template the tests change. */
export interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/**
 * A copy of an assembly with `change` applied to its template, in the run's temporary directory
 * (removed at the end of the run): by default of {@link leanAssembly}, what the harness runs; pass
 * `inject('pipelineAssembly')` for the template as synthesized, at its own concurrency.
 */
export function patchedAssembly(
  change: (template: Template) => void,
  from: string = leanAssembly(),
): string {
  const dir = mkdtempSync(join(tmpdir(), 'assembly-'));
  copyAssembly(from, dir);
  const file = join(dir, 'StringPipeline.template.json');
  const template = JSON.parse(readFileSync(file, 'utf8')) as Template;
  change(template);
  writeFileSync(file, JSON.stringify(template));
  return dir;
}

/**
 * Gives every function a `seconds` timeout. Time-scaled visibility timeouts never drop below the
 * consuming function's timeout (as AWS requires), so tests that wait for redelivery shorten the
 * functions' timeouts rather than wait out the requestor's 30 s.
 */
export function shortTimeouts(template: Template, seconds: number): void {
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type === 'AWS::Lambda::Function') resource.Properties.Timeout = seconds;
  }
}

/**
 * Sets every event source mapping's `MaximumConcurrency` to `n`, as `-c maxConcurrency=N` would.
 */
export function maxConcurrency(template: Template, n: number): void {
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type === 'AWS::Lambda::EventSourceMapping')
      resource.Properties.ScalingConfig = { MaximumConcurrency: n };
  }
}

let lean: string | undefined;

/**
 * The pipeline's assembly with its mappings' maximum concurrency at 2 (the lowest Lambda allows)
 * instead of 5, made once per process: what most local tests run. Each environment a mapping
 * scales up to is a cold start of about 0.3 CPU-s on Node 24, and a test of queues, tables and
 * faults needs two at most, not five; the suite started about 200 environments, a third of its
 * CPU. What is checked at the template's own concurrency: the mappings' scaling (probes of
 * parity-batching.test.ts), the crash soak, the end-to-end test and `npm start`.
 */
export function leanAssembly(): string {
  lean ??= patchedAssembly((template) => maxConcurrency(template, 2), inject('pipelineAssembly'));
  return lean;
}

/**
 * A copy of the pipeline's assembly as another stage would synthesize it: the stack, its asset
 * manifest and every physical name it fixes renamed from `StringPipeline` to `stackName`.
 */
export function stageAssembly(stackName: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'assembly-'));
  copyAssembly(inject('pipelineAssembly'), dir);
  const rename = (from: string, to: string) => {
    const text = readFileSync(join(dir, from), 'utf8');
    writeFileSync(join(dir, from), text.replaceAll('StringPipeline', stackName));
    renameSync(join(dir, from), join(dir, to));
  };
  rename('StringPipeline.template.json', `${stackName}.template.json`);
  rename('StringPipeline.assets.json', `${stackName}.assets.json`);
  rename('manifest.json', 'manifest.json');
  return dir;
}

/**
 * Puts the suite's assembly in the cache of the state directory `home`, as the cache puts one: a
 * start there finds it instead of synthesizing again. Returns the assembly's directory name.
 */
export function seedAssembly(home: string): string {
  const assembly = inject('pipelineAssembly');
  const slot = assemblySlot(join(home, 'cdk.out'), basename(assembly));
  copyAssembly(assembly, slot.staging);
  slot.commit();
  return basename(assembly);
}
