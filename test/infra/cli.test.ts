import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemblySlot, hashInputs } from '../../local/stack/assembly-cache';
import { PROJECT_INPUTS } from '../../local/stack/synth';

/** The CLI `npx cdk` would run: the pinned one in node_modules, started without npx's lookup. */
const CDK_BIN = createRequire(import.meta.url).resolve('aws-cdk/bin/cdk');

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly outdir: string;
}

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `cdk <args>` with its output in `outdir`. */
function cdk(outdir: string, ...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [CDK_BIN, ...args, '--output', outdir, '--no-notices'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 90_000,
    env: {
      ...process.env,
      // No AWS account here: the synth must not need one.
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      // Nor the network.
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr, outdir }));
  });
}

/** Runs `cdk <args>` into a temporary directory of its own. */
function cdkOnce(...args: string[]): Promise<Run> {
  const outdir = mkdtempSync(join(tmpdir(), 'string-pipeline-cli-'));
  outdirs.push(outdir);
  return cdk(outdir, ...args);
}

/** Where the CLI's successful synths are kept, by what they were made from. */
const SYNTHS = fileURLToPath(new URL('../../.local-cloud/cli.out', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `cdk synth --quiet` of the app as it is, kept by what it was made from: the app's inputs as the
 * local cloud's synth cache counts them (its sources, cdk.json, tsconfig.json and
 * package-lock.json, which pins the CLI, aws-cdk-lib and esbuild), this file and Node's version.
 * The same inputs make the same synth, so a run with nothing changed reads the last one's output
 * instead of spending 15 CPU-s on it (a tenth of the suite); a changed input, a clean clone or
 * `rm -r .local-cloud/cli.out` runs the CLI. Only a synth that succeeded is kept.
 */
async function cachedSynth(): Promise<Run> {
  const testFile = relative(ROOT, fileURLToPath(import.meta.url));
  const hash = hashInputs(ROOT, [...PROJECT_INPUTS, testFile], [process.version, 'synth --quiet']);
  const slot = assemblySlot(SYNTHS, hash);
  const stderrFile = join(slot.assemblyDir, 'cli-stderr.txt');
  if (slot.done)
    return { status: 0, stderr: readFileSync(stderrFile, 'utf8'), outdir: slot.assemblyDir };
  const run = await cdk(slot.staging, 'synth', '--quiet');
  if (run.status !== 0) {
    outdirs.push(slot.staging);
    return run;
  }
  writeFileSync(join(slot.staging, 'cli-stderr.txt'), run.stderr);
  return { ...run, outdir: slot.commit() };
}

// Both runs start together: each spends most of its time starting Node processes, and the two
// can share the machine's cores while this worker waits.
let synth: Promise<Run>;
let badContext: Promise<Run>;
beforeAll(() => {
  synth = cachedSynth();
  badContext = cdkOnce('synth', '--quiet', '-c', 'batchSize=lots');
});

describe('the CDK CLI', () => {
  it('synthesizes the app offline with the pinned 2.x CLI, bundles included', async () => {
    const run = await synth;
    expect(run.stderr).not.toMatch(/Error/);
    // cdk.json sets every flag aws-cdk-lib recommends, so new projects' defaults are ours too.
    expect(run.stderr).not.toMatch(/feature flags are not configured/);
    expect(run.status).toBe(0);
    const template = JSON.parse(
      readFileSync(join(run.outdir, 'StringPipeline.template.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties: { Code?: { S3Key: string } } }> };
    expect(Object.keys(template.Resources).length).toBeGreaterThan(20);
    expect(existsSync(join(run.outdir, 'manifest.json'))).toBe(true);
    const functions = Object.values(template.Resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Function',
    );
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      const asset = `asset.${fn.Properties.Code?.S3Key.replace(/\.zip$/, '')}`;
      expect(existsSync(join(run.outdir, asset, 'index.mjs'))).toBe(true);
    }
  });

  it("passes CDK's built-in CloudFormation validation without a finding", async () => {
    const run = await synth;
    const report = JSON.parse(readFileSync(join(run.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations?: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations ?? [])).toEqual([]);
  });

  // An unknown key's message is the same ConfigError's (test/infra/config.test.ts has its cases).
  it('fails on a bad context value with one line naming the key', async () => {
    const run = await badContext;
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/Invalid context: batchSize must be an integer, got "lots"/);
  });
});
