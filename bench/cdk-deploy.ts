/**
 * `npm run bench:cdk`: the unmodified CDK CLI against a fresh local cloud, step by step, each
 * with the CLI's wall time beside the CPU time the local cloud (this process) spent serving it,
 * then the same deploy in-process, as `npm start` makes it. The app is synthesized first (or found
 * in the synth cache), so the deploys time a warm synth.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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

/**
 * A copy of an assembly whose first function bundle was saved again with one more line: its asset
 * gets a new hash, as a synth after an edit gives it, so `cdk deploy --hotswap` swaps its code.
 */
function editedAssembly(assemblyDir: string, into: string): string {
  cpSync(assemblyDir, into, { recursive: true });
  const template = readFileSync(join(into, 'StringPipeline.template.json'), 'utf8');
  const oldHash = /"([0-9a-f]{64})\.zip"/.exec(template)?.[1] ?? '';
  const newHash = createHash('sha256').update(`${oldHash} edited`).digest('hex');
  const dir = readdirSync(into).find((name) => name === `asset.${oldHash}`) ?? '';
  appendFileSync(join(into, dir, 'index.mjs'), '\n// edited\n');
  renameSync(join(into, dir), join(into, `asset.${newHash}`));
  for (const file of ['StringPipeline.template.json', 'StringPipeline.assets.json']) {
    const text = readFileSync(join(into, file), 'utf8');
    writeFileSync(join(into, file), text.replaceAll(oldHash, newHash));
  }
  return into;
}

const OPTIONS = {} as const satisfies OptionSpecs;

/** What `npm run bench:cdk -- --help` says. */
export const BENCH_CDK: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run bench:cdk --',
  summary:
    "Runs the CDK CLI from node_modules against a fresh local cloud (bootstrap, create, an update with batchSize=5, a hotswap of new code, destroy) and prints each step's wall time beside the local cloud's CPU time, against the goals; then the same deploy in-process, as npm start makes it.",
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
  const cwd = mkdtempSync(join(tmpdir(), 'bench-cdk-'));
  steps.splice(3, 0, {
    name: 'cdk deploy --hotswap (new code)',
    args: [
      'deploy',
      '--hotswap',
      '--app',
      editedAssembly(synthesize(outdir), join(cwd, 'edited')),
      '--require-approval',
      'never',
    ],
    goalSeconds: 3,
  });
  const rows: string[][] = [];
  const host = await startCloudHost({ port: 0 });
  try {
    for (const step of steps) {
      process.stdout.write(`${step.name}...\n`);
      rows.push(
        await timed(step.name, step.goalSeconds, async () => {
          await cdk(step.args, host.endpoint, cwd);
          await host.cloudformation.settled();
        }),
      );
    }
  } finally {
    await host.stop();
  }
  process.stdout.write('in-process deploy, as npm start makes it...\n');
  const fresh = await startCloudHost({ port: 0 });
  try {
    rows.push(
      await timed('npm start: bootstrap, assets, create', undefined, async () => {
        await fresh.deploy(synthesize(outdir));
      }),
    );
  } finally {
    await fresh.stop();
    rmSync(cwd, { recursive: true, force: true });
  }
  console.log(`\n${table(['step', 'wall', 'local cloud CPU', 'goal'], rows)}`);
  console.log(
    'The CLI steps run the CLI in its own process; the local cloud CPU is its share, spent here.',
  );
  return 0;
}

/** Runs a step and gives its row: wall time, this process's CPU time, the goal's verdict. */
async function timed(
  name: string,
  goalSeconds: number | undefined,
  run: () => Promise<void>,
): Promise<string[]> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const wall = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  return [
    name,
    `${fixed(wall, 1)} s`,
    `${fixed((user + system) / 1e6, 2)} s`,
    goalSeconds ? `< ${goalSeconds} s: ${verdict(wall < goalSeconds)}` : '',
  ];
}

if (isMain(import.meta.url)) runCommand(BENCH_CDK, main);
