/**
 * Time to first round trip from `npm start`, as a new user experiences it: synth included. Cold:
 * a state directory without the synth cache (the CDK app synthesizes and bundles); warm: the same
 * directory again (the cache hits). Each is also given beyond the template's batching windows,
 * which the cloud honours as Lambda does: one window per hop of the round trip.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStack, resourcesOfType } from '../aws/template';
import { type CommandSpec, isMain, type OptionSpecs, runCommand } from '../commands/cli';
import { REPO_ROOT, table } from './util';

/** What `npm start -- --requests 1` took. */
export interface FirstRoundTripResult {
  /** From spawning `npm start` until it exited 0 (npm, tsx, synth, emulators, the round trip, reconciliation, shutdown). */
  readonly wallSeconds: number;
  /** npm start's own figure: from its start to the first acknowledgement, synth included. */
  readonly firstRoundTripSeconds?: number;
  /** npm start's own figures for the synth and for the cloud being up (synth included). */
  readonly synthSeconds?: number;
  readonly cloudUpSeconds?: number;
}

/**
 * Runs `npm start -- --requests 1` (in `stateDir`, default `.local-cloud`) and times it; fails if
 * it does not exit 0 within `timeoutMs`.
 */
export function timeFirstRoundTrip(
  timeoutMs = 180_000,
  stateDir?: string,
): Promise<FirstRoundTripResult> {
  const started = performance.now();
  const args = [
    'start',
    '--',
    '--requests',
    '1',
    '--port',
    '0',
    ...(stateDir ? ['--state-dir', stateDir] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, {
      cwd: REPO_ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout can end npm, tsx and node together.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallSeconds = (performance.now() - started) / 1000;
      if (code !== 0) {
        const why = signal ? `was killed (${signal}) after ${timeoutMs} ms` : `exited ${code}`;
        reject(new Error(`npm start ${why}:\n${stdout.slice(-1000)}${stderr.slice(-1000)}`));
        return;
      }
      const first = /first round trip after ([\d.]+) s/.exec(stdout)?.[1];
      const up = /Local cloud up in ([\d.]+) s \(synth ([\d.]+) s\)/.exec(stdout);
      resolve({
        wallSeconds,
        ...(first === undefined ? {} : { firstRoundTripSeconds: Number(first) }),
        ...(up ? { cloudUpSeconds: Number(up[1]), synthSeconds: Number(up[2]) } : {}),
      });
    });
  });
}

/** Cold and warm `npm start -- --requests 1`, and the batching windows a round trip waits out. */
export interface FirstRoundTrips {
  /** A fresh state directory: no synth cache. */
  readonly cold: FirstRoundTripResult;
  /** The same directory again: the synth cache hits. */
  readonly warm: FirstRoundTripResult;
  /**
   * Seconds a single message waits in batching windows over one round trip: the sum of the
   * template's SQS mappings' MaximumBatchingWindowInSeconds (one hop each: request, response, ack).
   */
  readonly windowsSeconds: number;
}

/** The template's batching windows over one round trip (each SQS mapping is one hop). */
export function batchingWindowsSeconds(assemblyDir: string): number {
  return resourcesOfType(loadStack(assemblyDir), 'AWS::Lambda::EventSourceMapping').reduce(
    (sum, [, props]) => sum + Number(props.MaximumBatchingWindowInSeconds ?? 0),
    0,
  );
}

/** Times a cold `npm start -- --requests 1` in a fresh state directory, then a warm one in it. */
export async function timeFirstRoundTrips(timeoutMs = 180_000): Promise<FirstRoundTrips> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-first-round-trip-'));
  try {
    const cold = await timeFirstRoundTrip(timeoutMs, stateDir);
    const warm = await timeFirstRoundTrip(timeoutMs, stateDir);
    const [assembly] = readdirSync(join(stateDir, 'cdk.out')).filter((d) => !d.endsWith('.tmp'));
    const windowsSeconds = batchingWindowsSeconds(join(stateDir, 'cdk.out', assembly ?? ''));
    return { cold, warm, windowsSeconds };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** The goals for the time to first round trip beyond the batching windows, in seconds. */
export const FIRST_ROUND_TRIP_GOALS = { warm: 1, cold: 3.5 } as const;

/** Rows for a table: each figure of a cold and a warm start, and the ones beyond the windows. */
export function firstRoundTripRows(r: FirstRoundTrips): string[][] {
  const s = (n: number | undefined) => (n === undefined ? '?' : n.toFixed(2));
  const beyond = (x: FirstRoundTripResult) =>
    x.firstRoundTripSeconds === undefined ? undefined : x.firstRoundTripSeconds - r.windowsSeconds;
  const goal = (x: FirstRoundTripResult, limit: number) => {
    const b = beyond(x);
    return b === undefined ? '?' : `${s(b)} (goal < ${limit}: ${b < limit ? 'met' : 'NOT met'})`;
  };
  return [
    ['synth (its own figure)', s(r.cold.synthSeconds), s(r.warm.synthSeconds)],
    ['local cloud up, synth included', s(r.cold.cloudUpSeconds), s(r.warm.cloudUpSeconds)],
    ['first round trip', s(r.cold.firstRoundTripSeconds), s(r.warm.firstRoundTripSeconds)],
    [
      `  beyond the ${r.windowsSeconds} s of batching windows`,
      goal(r.cold, FIRST_ROUND_TRIP_GOALS.cold),
      goal(r.warm, FIRST_ROUND_TRIP_GOALS.warm),
    ],
    ['spawn to exit 0 (npm, tsx, reconcile, stop)', s(r.cold.wallSeconds), s(r.warm.wallSeconds)],
  ];
}

/**
 * Prints the bench's time-to-first-round-trip section: the cold and warm figures, why they are
 * missing (`--skip-start`), or how timing them failed.
 */
export function reportFirstRoundTrip(
  result: FirstRoundTrips | { error: string } | undefined,
): void {
  console.log(
    '\n4. Time to first round trip from `npm start -- --requests 1`, in seconds (synth included)',
  );
  if (!result) console.log('   skipped (--skip-start)');
  else if ('error' in result) console.log(`   FAILED: ${result.error}`);
  else {
    console.log(
      table(['npm start', 'cold (no synth cache)', 'warm (cache hit)'], firstRoundTripRows(result)),
    );
  }
}

/** What `npx tsx bench/first-round-trip.ts --help` says. */
export const FIRST_ROUND_TRIP_BENCH: CommandSpec<OptionSpecs> = {
  invocation: 'npx tsx bench/first-round-trip.ts',
  summary:
    'Times `npm start -- --requests 1` to its first round trip, synth included: cold (a fresh state directory, so the app synthesizes) and warm (the same directory again). `npm run bench` runs it as its section 4.',
  options: {},
  examples: ['npx tsx bench/first-round-trip.ts'],
};

if (isMain(import.meta.url)) {
  runCommand(FIRST_ROUND_TRIP_BENCH, async () => {
    const result = await timeFirstRoundTrips();
    console.log('Time to first round trip of `npm start -- --requests 1`, in seconds');
    console.log(
      table(['npm start', 'cold (no synth cache)', 'warm (cache hit)'], firstRoundTripRows(result)),
    );
    return 0;
  });
}
