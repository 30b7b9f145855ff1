/**
 * `npm run bench:cdk`: the unmodified CDK CLI against a fresh local cloud, step by step, each
 * with the CLI's wall time beside the CPU time the local cloud (this process) spent serving it.
 * The app is synthesized first (or found in the synth cache), so the deploys time a warm synth.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type CommandSpec, isMain, type OptionSpecs, runCommand } from '../commands/cli';
import { fixed, REPO_ROOT, table, verdict } from './util';

const CDK = join(REPO_ROOT, 'node_modules', '.bin', 'cdk');

/** Runs the CLI; resolves with its exit code, or rejects with its output if it failed. */
function cdk(args: string[], endpoint: string, cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: endpoint,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const child = spawn(CDK, [...args, '--no-notices'], { cwd, env });
    let output = '';
    child.stdout.on('data', (c) => {
      output += c;
    });
    child.stderr.on('data', (c) => {
      output += c;
    });
    child.on('close', (code) =>
      code === 0 ? done() : fail(new Error(`cdk ${args[0]} failed:\n${output}`)),
    );
  });
}

/** A step: what it runs, and the goal its wall time has, if any. */
interface Step {
  readonly name: string;
  readonly args: string[];
  readonly goalSeconds?: number;
}

const OPTIONS = {} as const satisfies OptionSpecs;

/** What `npm run bench:cdk -- --help` says. */
export const BENCH_CDK: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run bench:cdk --',
  summary:
    "Runs the CDK CLI from node_modules against a fresh local cloud (bootstrap, create, an update with batchSize=5, destroy) and prints each step's wall time beside the local cloud's CPU time, against the goals.",
  options: OPTIONS,
  examples: ['npm run bench:cdk'],
};

async function main(): Promise<number> {
  // The engine's own SDK clients would warn about Node 20 on every run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // Loaded only now: `--help` answers without the engine.
  const [{ startCloudHost }, { synthesize }] = await Promise.all([
    import('../local/engine/host'),
    import('../local/stack/synth'),
  ]);
  console.log('Synthesizing the app (or finding it in the synth cache)...');
  const outdir = resolve('.local-cloud/cdk.out');
  const steps: Step[] = [
    { name: 'cdk bootstrap', args: ['bootstrap', 'aws://000000000000/us-east-1'], goalSeconds: 5 },
    {
      name: 'cdk deploy (create)',
      args: ['deploy', '--app', synthesize(outdir), '--require-approval', 'never'],
      goalSeconds: 10,
    },
    {
      name: 'cdk deploy (update, batchSize=5)',
      args: [
        'deploy',
        '--app',
        synthesize(outdir, { batchSize: '5' }),
        '--require-approval',
        'never',
      ],
      goalSeconds: 8,
    },
    { name: 'cdk destroy', args: ['destroy', '--app', synthesize(outdir), '--force'] },
  ];
  const host = await startCloudHost({ port: 0 });
  const cwd = mkdtempSync(join(tmpdir(), 'bench-cdk-'));
  const rows: string[][] = [];
  try {
    for (const step of steps) {
      process.stdout.write(`${step.name}...\n`);
      const cpu = process.cpuUsage();
      const started = performance.now();
      await cdk(step.args, host.endpoint, cwd);
      await host.cloudformation.settled();
      const wall = (performance.now() - started) / 1000;
      const { user, system } = process.cpuUsage(cpu);
      const goal = step.goalSeconds;
      rows.push([
        step.name,
        `${fixed(wall, 1)} s`,
        `${fixed((user + system) / 1e6, 2)} s`,
        goal ? `< ${goal} s: ${verdict(wall < goal)}` : '',
      ]);
    }
  } finally {
    await host.stop();
    rmSync(cwd, { recursive: true, force: true });
  }
  console.log(`\n${table(['step', 'CLI wall', 'local cloud CPU', 'goal'], rows)}`);
  return 0;
}

if (isMain(import.meta.url)) runCommand(BENCH_CDK, main);
