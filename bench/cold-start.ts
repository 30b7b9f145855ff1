/**
 * Cold-start proxy: bundle each handler exactly as CDK does, then time `await import()` of the
 * bundle in fresh processes of the Node the functions' runtime names (the runtime host's: Node 24
 * for nodejs24.x), beside an empty handler and a floor that only constructs the SQS and DynamoDB
 * clients.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { DEFAULT_REGION } from '../aws/defaults';
import { loadStack, resourcesOfType } from '../aws/template';
import { LAMBDA_RUNTIME_NAME } from '../lib/constructs/lambda-bundling';
import {
  lambdaTarget,
  cdkEsbuildOptions as sharedEsbuildOptions,
} from '../local/lambda/bundle-options';
import { type NodeBinary, nodeForRuntime } from '../local/lambda/node-binary';
import { fixed, kB, median, REPO_ROOT, table, verdict } from './util';

/** One bundle: a real handler, or a reference point. */
export interface Variant {
  readonly name: string;
  /** Entry file under the repo, or inline source resolved from the repo root. */
  readonly entry: { readonly file: string } | { readonly source: string };
}

/** The handlers CDK deploys, plus the two reference points the goal is measured against. */
export const VARIANTS: readonly Variant[] = [
  { name: 'empty', entry: { source: 'export const handler = async () => ({});\n' } },
  {
    name: 'floor',
    entry: {
      // The least any handler of this design can load: both clients, constructed at module scope
      // as functions/shared/clients.ts does. Exported so esbuild cannot drop them.
      source: [
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "import { SQSClient } from '@aws-sdk/client-sqs';",
        'export const sqs = new SQSClient({});',
        'export const dynamodb = new DynamoDBClient({});',
        'export const handler = async () => ({});',
        '',
      ].join('\n'),
    },
  },
  { name: 'requestor', entry: { file: 'functions/requestor/index.ts' } },
  { name: 'generator', entry: { file: 'functions/generator/index.ts' } },
];

/** What a bundle is made of: bytes in the output per package. */
export interface PackageBytes {
  readonly name: string;
  readonly bytes: number;
}

/** One variant's bundle and import timings. */
export interface ColdStartResult {
  readonly name: string;
  /** index.mjs as shipped (target node24). */
  readonly bundleBytes: number;
  /** The source map next to it, loaded at start because NODE_OPTIONS has --enable-source-maps. */
  readonly sourceMapBytes: number;
  /** Bytes in the output per package, largest first; our code is "functions/". */
  readonly packages: PackageBytes[];
  /** With the functions' NODE_OPTIONS (`--enable-source-maps`), as deployed. */
  readonly importMs: ImportTimes;
  /** The same bundle without `--enable-source-maps`: what parsing the source map costs at start. */
  readonly importMsWithoutSourceMaps: ImportTimes;
}

/** Import times of one variant, in milliseconds. */
export interface ImportTimes {
  readonly median: number;
  readonly min: number;
  readonly runs: number[];
}

/** Options of {@link measureColdStarts}. */
export interface ColdStartOptions {
  /** Timed imports per variant and setting (after one untimed warm-up round). */
  readonly runs: number;
}

/** The functions' NODE_OPTIONS (PipelineFunction sets it), and none, to show what it costs. */
const NODE_OPTIONS = { deployed: '--enable-source-maps', withoutSourceMaps: '' } as const;

/** The esbuild options CDK uses, from the repo root (shared with `npm run dev`). */
export function cdkEsbuildOptions(target: string): BuildOptions {
  return sharedEsbuildOptions(target, REPO_ROOT);
}

export { lambdaTarget };

async function bundle(variant: Variant, outfile: string, target: string): Promise<Metafile> {
  const entry =
    'file' in variant.entry
      ? { entryPoints: [variant.entry.file] }
      : {
          stdin: {
            contents: variant.entry.source,
            loader: 'ts' as const,
            resolveDir: REPO_ROOT,
            sourcefile: `${variant.name}.ts`,
          },
        };
  const result = await build({ ...cdkEsbuildOptions(target), ...entry, outfile });
  return result.metafile ?? { inputs: {}, outputs: {} };
}

/**
 * Bytes each package contributes to the output, from esbuild's metafile. Inputs under
 * node_modules are grouped by package name (scoped names keep their scope); our own sources as
 * "functions/"; whatever the output holds beyond its inputs (banner, esbuild's helpers) as
 * "(banner, esbuild runtime)".
 */
export function packageBytes(metafile: Metafile, outfileSuffix = 'index.mjs'): PackageBytes[] {
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(outfileSuffix));
  if (!output) return [];
  const [, { inputs, bytes }] = output;
  const totals = new Map<string, number>();
  let accounted = 0;
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    totals.set(packageOf(path), (totals.get(packageOf(path)) ?? 0) + bytesInOutput);
    accounted += bytesInOutput;
  }
  if (bytes > accounted) totals.set('(banner, esbuild runtime)', bytes - accounted);
  return [...totals]
    .map(([name, n]) => ({ name, bytes: n }))
    .filter((p) => p.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}

/** The npm package an input path belongs to, or "functions/" for our code. */
export function packageOf(path: string): string {
  const at = path.lastIndexOf('node_modules/');
  if (at >= 0) {
    const [scope, name] = path.slice(at + 'node_modules/'.length).split('/');
    return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? path);
  }
  if (path.startsWith('functions/')) return 'functions/';
  return '(entry)';
}

/** The environment a handler module reads at import time; readEnv fails fast without it. */
const HANDLER_ENV: Record<string, string> = {
  AWS_REGION: DEFAULT_REGION,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  REQUESTS_TABLE_NAME: 'bench-requests',
  STRINGS_TABLE_NAME: 'bench-strings',
  REQUEST_QUEUE_URL: 'http://127.0.0.1:1/000000000000/bench-request',
  ACK_QUEUE_URL: 'http://127.0.0.1:1/000000000000/bench-ack',
  RESPONSE_QUEUE_URL: 'http://127.0.0.1:1/000000000000/bench-response',
  RESPONSE_DLQ_URL: 'http://127.0.0.1:1/000000000000/bench-response-dlq',
  REQUEST_DLQ_URL: 'http://127.0.0.1:1/000000000000/bench-request-dlq',
  ACK_DLQ_URL: 'http://127.0.0.1:1/000000000000/bench-ack-dlq',
  REQUEST_QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:bench-request',
  ACK_QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:bench-ack',
  METRICS_NAMESPACE: 'Bench',
  DEFAULT_REQUEST_COUNT: '10',
};

// Times only the import: process start-up is the same for every variant and would drown the gap.
const LOADER = `const t0 = performance.now();
await import(process.argv[2]);
process.stdout.write(String(performance.now() - t0));
`;

function timeImport(
  node: string,
  loader: string,
  file: string,
  nodeOptions: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [loader, pathToFileURL(file).href], {
      // A clean environment: no tsx loader, nothing the bench process inherited.
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: nodeOptions, ...HANDLER_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(out);
      if (code === 0 && Number.isFinite(ms)) resolve(ms);
      else
        reject(new Error(`importing ${file} failed (exit ${code}): ${err.trim().slice(0, 500)}`));
    });
  });
}

/** The Node the deployed functions' runtime runs on here: the one the local cloud runs them on. */
export function benchNode(): NodeBinary {
  return nodeForRuntime(LAMBDA_RUNTIME_NAME);
}

/**
 * Bundles every variant into a temporary directory (removed afterwards) for the Lambda runtime's
 * target (sizes and package breakdown, as deployed), and times the imports of that build on the
 * runtime's Node (the runtime host's) with and without `--enable-source-maps`, interleaving
 * variants and settings and rotating their order each round so drift and position affect every
 * one alike. Where that Node is missing, the tools' Node times a build for its own major
 * (an older Node cannot be trusted to run node24-targeted output).
 */
export async function measureColdStarts(
  opts: ColdStartOptions,
  node: NodeBinary = benchNode(),
): Promise<ColdStartResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cold-start-'));
  try {
    const shipped = lambdaTarget();
    const localTarget = node.warning ? `node${node.version.slice(1).split('.')[0]}` : shipped;
    const built = await Promise.all(
      VARIANTS.map(async (variant) => {
        const deployed = join(dir, variant.name, 'index.mjs');
        const metafile = await bundle(variant, deployed, shipped);
        const local =
          localTarget === shipped ? deployed : join(dir, `${variant.name}-local`, 'index.mjs');
        if (local !== deployed) await bundle(variant, local, localTarget);
        return {
          variant,
          local,
          bundleBytes: statSync(deployed).size,
          sourceMapBytes: statSync(`${deployed}.map`).size,
          packages: packageBytes(metafile),
        };
      }),
    );
    const loader = join(dir, 'loader.mjs');
    writeFileSync(loader, LOADER);
    const timings = new Map<string, number[]>();
    const key = (variant: string, setting: keyof typeof NODE_OPTIONS) => `${variant}/${setting}`;
    const settings = Object.keys(NODE_OPTIONS) as (keyof typeof NODE_OPTIONS)[];
    const slots = built.flatMap((entry) => settings.map((setting) => ({ entry, setting })));
    // Round 0 warms the file cache and is discarded.
    for (let round = 0; round <= opts.runs; round++) {
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[(i + round) % slots.length];
        if (!slot) continue;
        const ms = await timeImport(
          node.execPath,
          loader,
          slot.entry.local,
          NODE_OPTIONS[slot.setting],
        );
        if (round === 0) continue;
        const k = key(slot.entry.variant.name, slot.setting);
        timings.set(k, [...(timings.get(k) ?? []), ms]);
      }
    }
    const times = (variant: string, setting: keyof typeof NODE_OPTIONS): ImportTimes => {
      const runs = timings.get(key(variant, setting)) ?? [];
      return { median: median(runs), min: Math.min(...runs), runs };
    };
    return built.map((b) => ({
      name: b.variant.name,
      bundleBytes: b.bundleBytes,
      sourceMapBytes: b.sourceMapBytes,
      packages: b.packages,
      importMs: times(b.variant.name, 'deployed'),
      importMsWithoutSourceMaps: times(b.variant.name, 'withoutSourceMaps'),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The goal: each handler's import time at most this multiple of the floor's. */
export const COLD_START_GOAL_VS_FLOOR = 1.1;

/** index.mjs size of each function as CDK bundled it into the assembly, by handler name. */
export function assetBytes(assemblyDir: string): Record<string, number> {
  const stack = loadStack(assemblyDir);
  const sizes: Record<string, number> = {};
  for (const [logicalId, , resource] of resourcesOfType(stack, 'AWS::Lambda::Function')) {
    const asset = resource.Metadata?.['aws:asset:path'];
    const file = typeof asset === 'string' ? join(assemblyDir, asset, 'index.mjs') : undefined;
    const name = ['requestor', 'generator'].find((n) => logicalId.toLowerCase().startsWith(n));
    if (file && name && existsSync(file)) sizes[name] = statSync(file).size;
  }
  return sizes;
}

/**
 * Prints the bench's cold-start section (each bundle against the empty handler and the floor,
 * what each handler adds, whether it matches CDK's asset) and returns its figures for the results.
 */
export function reportColdStart(
  results: ColdStartResult[],
  runs: number,
  assets: Record<string, number>,
  node: NodeBinary = benchNode(),
) {
  const by = (name: string) => results.find((r) => r.name === name);
  const empty = by('empty')?.importMs.median ?? Number.NaN;
  const floor = by('floor')?.importMs.median ?? Number.NaN;
  console.log(
    `\n1. Cold-start proxy: median import time of each bundle in a fresh Node process (${runs} runs each, interleaved)`,
  );
  console.log(
    table(
      ['bundle', 'index.mjs', 'source map', 'import ms', 'x empty', 'x floor', 'ms w/o maps'],
      results.map((r) => [
        r.name,
        kB(r.bundleBytes),
        kB(r.sourceMapBytes),
        fixed(r.importMs.median, 1),
        fixed(r.importMs.median / empty, 1),
        fixed(r.importMs.median / floor, 2),
        fixed(r.importMsWithoutSourceMaps.median, 1),
      ]),
    ),
  );
  const floorPackages = new Map(by('floor')?.packages.map((p) => [p.name, p.bytes]) ?? []);
  for (const handler of ['requestor', 'generator']) {
    const result = by(handler);
    if (!result) continue;
    const added = result.packages
      .map((p) => ({ name: p.name, bytes: p.bytes - (floorPackages.get(p.name) ?? 0) }))
      .filter((p) => p.bytes >= 100)
      .map((p) => `${p.name} +${kB(p.bytes)}`);
    console.log(`   ${handler} adds to the floor: ${added.join(', ') || 'nothing'}`);
    const cdk = assets[handler];
    if (cdk !== undefined) {
      console.log(
        `   ${handler} bundle ${cdk === result.bundleBytes ? 'matches' : `DIFFERS from (${kB(cdk)})`} CDK's synthesized asset byte count`,
      );
    }
  }
  const top = by('floor')
    ?.packages.slice(0, 5)
    .map((p) => `${p.name} ${kB(p.bytes)}`);
  console.log(`   floor is mostly: ${top?.join(', ')}`);
  const worst = Math.max(
    ...['requestor', 'generator'].map((n) => (by(n)?.importMs.median ?? Number.NaN) / floor),
  );
  console.log(
    `   goal each handler <= ${COLD_START_GOAL_VS_FLOOR}x floor: ${verdict(worst <= COLD_START_GOAL_VS_FLOOR)} (worst ${fixed(worst, 2)}x)`,
  );
  const timedOn = node.warning
    ? `the tools' Node ${node.version} from a node${node.version.slice(1).split('.')[0]} build (no ${LAMBDA_RUNTIME_NAME} Node here; Lambda runs the ${lambdaTarget()} build, whose sizes are shown)`
    : `Node ${node.version}, the ${LAMBDA_RUNTIME_NAME} runtime host's, from the deployed ${lambdaTarget()} build`;
  console.log(`   Timed on ${timedOn}, with NODE_OPTIONS=--enable-source-maps as deployed.`);
  return {
    runtimeTarget: `${lambdaTarget()} (sizes), ${node.warning ? `tools' Node ${node.version}` : `${lambdaTarget()} build on Node ${node.version}`} (timings)`,
    nodeOptions: '--enable-source-maps',
    bundles: results.map((r) => ({
      ...r,
      cdkAssetBytes: assets[r.name],
      vsEmpty: r.importMs.median / empty,
      vsFloor: r.importMs.median / floor,
    })),
    goal: COLD_START_GOAL_VS_FLOOR,
  };
}
