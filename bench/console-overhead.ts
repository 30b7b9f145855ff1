/**
 * `npm run bench:console`: how much the console's polling slows the pipeline. Times N round
 * trips on a fresh local cloud without the console and with it polling as an open Overview page
 * does (overview every second: queue depths and ages, function statistics from the REPORT lines,
 * table counts) plus the Queues page's DLQ peek every 2 s, alternating, and prints the median of
 * each and the slowdown.
 *
 *   npm run bench:console -- [--round-trips N] [--runs N]
 */

import { join } from 'node:path';
import { type CommandSpec, integerOption, type OptionSpecs, runCommand } from '../commands/cli';
import { localCloudTarget } from '../console/local-target';
import { createConsoleHandler } from '../console/server';
import { LOCAL_REQUESTS_PER_INVOKE, startLocalCloud } from '../local/cloud';
import { synthesize } from '../local/stack/synth';
import { REPO_ROOT } from './util';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function timeRun(assemblyDir: string, roundTrips: number, withConsole: boolean) {
  // Both runs keep function logs, as a cloud serving the console does (`npm start -- --keep`
  // serves an endpoint, which captures them): the console reads its REPORT lines from them.
  const cloud = await startLocalCloud({ assemblyDir, log: () => {} });
  let polling = true;
  const polls: Promise<void>[] = [];
  try {
    const requestor = cloud.outputs.RequestorFunctionName ?? '';
    await cloud.invoke(requestor, { count: 20 });
    await cloud.waitForIdle();
    if (withConsole) {
      const service = createConsoleHandler({ target: localCloudTarget(cloud) });
      cloud.mount('/_console', service.handle);
      const poll = async (path: string, everyMs: number) => {
        while (polling) {
          const res = await fetch(`${cloud.endpoint}/_console/api${path}`);
          if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
          await res.arrayBuffer();
          await new Promise((done) => setTimeout(done, everyMs));
        }
      };
      polls.push(poll('/overview', 1000), poll('/queues/request-dlq/peek?n=20', 2000));
    }
    const started = performance.now();
    for (let sent = 0; sent < roundTrips; sent += LOCAL_REQUESTS_PER_INVOKE) {
      const { error } = await cloud.invoke(requestor, {
        count: Math.min(LOCAL_REQUESTS_PER_INVOKE, roundTrips - sent),
      });
      if (error) throw new Error(`the requestor failed: ${error.errorMessage}`);
    }
    await cloud.waitForIdle({ timeoutMs: Math.max(120_000, roundTrips * 50) });
    return (performance.now() - started) / 1000;
  } finally {
    polling = false;
    await Promise.all(polls);
    await cloud.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const OPTIONS = {
  'round-trips': {
    type: 'string',
    default: '10000',
    placeholder: 'N',
    description: 'round trips per run, 100 to 100000',
  },
  runs: {
    type: 'string',
    default: '3',
    placeholder: 'N',
    description: 'pairs of runs (without, then with the console), 1 to 20',
  },
} as const satisfies OptionSpecs;

const SPEC: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run bench:console --',
  summary:
    "Measures how much the console's polling slows the pipeline: N round trips on a fresh local cloud without the console and with it polling as an open Overview page does, alternating; prints each run, the medians and the slowdown.",
  options: OPTIONS,
  examples: ['npm run bench:console', 'npm run bench:console -- --round-trips 2000 --runs 5'],
};

async function main(roundTrips: number, runs: number): Promise<void> {
  const assemblyDir = synthesize(join(REPO_ROOT, '.local-cloud', 'cdk.out'));
  const times = { without: [] as number[], with: [] as number[] };
  for (let i = 0; i < runs; i++) {
    // Alternating, so drift in the machine's load falls on both sides.
    for (const withConsole of [false, true]) {
      const seconds = await timeRun(assemblyDir, roundTrips, withConsole);
      (withConsole ? times.with : times.without).push(seconds);
      console.log(
        `run ${i + 1} ${withConsole ? 'with console   ' : 'without console'}: ${seconds.toFixed(2)} s`,
      );
    }
  }
  const a = median(times.without);
  const b = median(times.with);
  console.log(
    `${roundTrips} round trips, median of ${runs}: ${a.toFixed(2)} s without the console, ${b.toFixed(2)} s with it polling: ${(((b - a) / a) * 100).toFixed(1)}% slower`,
  );
}

runCommand(SPEC, async (values) => {
  await main(
    integerOption('round-trips', values['round-trips'], { min: 100, max: 100_000 }),
    integerOption('runs', values.runs, { min: 1, max: 20 }),
  );
  return 0;
});
