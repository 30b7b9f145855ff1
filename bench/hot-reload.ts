/**
 * Save-to-new-code for `npm run dev`: edit a handler in a copy of the project and time, from the
 * write, (a) until the function's code is swapped and (b) until an invocation started right then
 * returns having run the new code (a cold start on the new bundle included).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CommandMain,
  type CommandSpec,
  integerArgument,
  isMain,
  type OptionSpecs,
  runCommand,
} from '../commands/cli';
import { Output } from '../contract/contract';
import { startLocalCloud } from '../local/cloud';
import { HANDLER_SOURCES, type ReloadEvent, startHotReload } from '../local/dev/hot-reload';
import { synthesize } from '../local/stack/synth';
import { median, REPO_ROOT, table, verdict } from './util';

/** Timings of the saves, in milliseconds. */
export interface HotReloadResult {
  readonly saves: number;
  /** From the write to the swap (file event, settle time, incremental rebuild, swap). */
  readonly toSwapMs: { readonly median: number; readonly max: number };
  /** From the write to an invocation's answer from the new code (the swap, then a cold start). */
  readonly toNewCodeMs: { readonly median: number; readonly max: number };
}

/** Edits the requestor's log message `saves` times and times each save. */
export async function measureHotReload(saves = 5): Promise<HotReloadResult> {
  const root = mkdtempSync(join(tmpdir(), 'bench-hot-reload-'));
  // What the handlers are built from: their code and the contract they import.
  for (const source of HANDLER_SOURCES) {
    cpSync(join(REPO_ROOT, source), join(root, source), { recursive: true });
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  const lines: string[] = [];
  const cloud = await startLocalCloud({
    assemblyDir: synthesize(join(REPO_ROOT, '.local-cloud', 'cdk.out')),
    log: (line) => lines.push(line),
  });
  const reloads: ((event: ReloadEvent) => void)[] = [];
  const hot = await startHotReload({
    cloud,
    rootDir: root,
    outDir: join(root, '.dev'),
    // As `npm run dev` starts on an assembly it synthesized: the first save builds whole.
    keepCurrentBundles: true,
    onReload: (event) => reloads.shift()?.(event),
  });
  const requestor = cloud.outputs[Output.RequestorFunctionName] ?? '';
  const domain = join(root, 'functions/requestor/domain.ts');
  const original = readFileSync(domain, 'utf8');
  const toSwap: number[] = [];
  const toNewCode: number[] = [];
  try {
    // Warm: the first invocation's cold start is not what a save costs.
    await cloud.invoke(requestor, { count: 1 });
    for (let i = 1; i <= saves; i++) {
      const marker = `requested strings (save ${i})`;
      const swapped = new Promise<ReloadEvent>((resolve) => reloads.push(resolve));
      const saved = performance.now();
      writeFileSync(domain, original.replace("'requested strings'", `'${marker}'`));
      const event = await swapped;
      if (event.kind !== 'reloaded') throw new Error(`save ${i}: ${JSON.stringify(event)}`);
      toSwap.push(performance.now() - saved);
      await cloud.invoke(requestor, { count: 1 });
      toNewCode.push(performance.now() - saved);
      if (!lines.some((line) => line.includes(marker)))
        throw new Error(`save ${i}: the invocation after the swap did not run the new code`);
    }
  } finally {
    await hot.stop();
    await cloud.stop();
    rmSync(root, { recursive: true, force: true });
  }
  const stats = (ms: number[]) => ({
    median: Math.round(median(ms)),
    max: Math.round(Math.max(...ms)),
  });
  return { saves, toSwapMs: stats(toSwap), toNewCodeMs: stats(toNewCode) };
}

/** Prints the bench's hot-reload section: the save-to-new-code figures, or how timing them failed. */
export function reportHotReload(result: HotReloadResult | { error: string }): void {
  console.log('\n4b. Hot reload (npm run dev): save of a handler file to new code');
  if ('error' in result) {
    console.log(`   FAILED: ${result.error}`);
    return;
  }
  console.log(
    table(
      ['after the save', 'median ms', 'max ms'],
      [
        ['code swapped', String(result.toSwapMs.median), String(result.toSwapMs.max)],
        [
          'new code answering an invocation',
          String(result.toNewCodeMs.median),
          String(result.toNewCodeMs.max),
        ],
      ],
    ),
  );
  console.log(`   goal: new code under 1000 ms: ${verdict(result.toNewCodeMs.median < 1000)}`);
}

/** What `npx tsx bench/hot-reload.ts --help` says. */
export const HOT_RELOAD_BENCH: CommandSpec<OptionSpecs> = {
  invocation: 'npx tsx bench/hot-reload.ts',
  summary:
    "Times `npm run dev`'s hot reload in a copy of the project: from each save of a handler file to its code swapped, and to an invocation answering with the new code. `npm run bench` runs it as its section 4b.",
  options: {},
  arguments: [{ name: 'SAVES', description: 'how many saves to time, 1 to 100 (default: 5)' }],
  examples: ['npx tsx bench/hot-reload.ts', 'npx tsx bench/hot-reload.ts 20'],
};

/** The script's main, given its arguments. */
export const hotReloadBench: CommandMain<OptionSpecs> = async (_values, [saves = '5']) => {
  const result = await measureHotReload(integerArgument('SAVES', saves, { min: 1, max: 100 }));
  console.log(`Hot reload (npm run dev), ${result.saves} saves of functions/requestor/domain.ts on ${cpus().length} cores:
  save to code swapped       median ${result.toSwapMs.median} ms, max ${result.toSwapMs.max} ms
  save to new code answering median ${result.toNewCodeMs.median} ms, max ${result.toNewCodeMs.max} ms (goal: under 1000 ms)`);
  return 0;
};

if (isMain(import.meta.url)) runCommand(HOT_RELOAD_BENCH, hotReloadBench);
