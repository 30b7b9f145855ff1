/**
 * `npm start`: synthesize the app, start the local cloud, ask the requestor for strings, show
 * live progress, and finish with a reconciliation of both services' records. Exits 1 if any round
 * trip is missing, 2 on bad options.
 *
 *   npm start -- [--requests N] [--keep] [--data DIR] [--time-scale X] [--schedules] [-c key=value]...
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { localCloudTarget } from '../console/local-target';
import { createConsoleHandler } from '../console/server';
import { type LocalCloud, startLocalCloud } from '../local/cloud';
import { synthesize } from '../local/synth';
import {
  isClean,
  output,
  QUEUES,
  queueDepth,
  type Reconciliation,
  reconcile,
} from '../ops/reconcile';
import { UsageError } from './cli';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const STAGES = [
  'Requested',
  'Generated',
  'Stored',
  'Acknowledged',
  'Duplicate',
  'Rejected',
] as const;
type StageCounts = Record<(typeof STAGES)[number], number>;
const MAX_PER_INVOKE = 10_000;

interface Options {
  readonly requests: number;
  readonly keep: boolean;
  readonly dataDir?: string;
  readonly timeScale: number;
  readonly schedules: boolean;
  /** CDK context, as `cdk synth -c key=value` takes it. */
  readonly context: Record<string, string>;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      requests: { type: 'string', short: 'n', default: '100' },
      keep: { type: 'boolean', default: false },
      data: { type: 'string' },
      'time-scale': { type: 'string', default: '1' },
      schedules: { type: 'boolean', default: false },
      context: { type: 'string', short: 'c', multiple: true, default: [] },
    },
    strict: true,
  });
  const requests = Number(values.requests);
  if (!Number.isInteger(requests) || requests < 1 || requests > 1_000_000) {
    throw new UsageError(`--requests must be an integer from 1 to 1000000, got ${values.requests}`);
  }
  const timeScale = Number(values['time-scale']);
  if (!(timeScale > 0))
    throw new UsageError(`--time-scale must be a positive number, got ${values['time-scale']}`);
  const context: Record<string, string> = {};
  for (const pair of values.context ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`-c takes key=value, got ${JSON.stringify(pair)}`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return {
    context,
    requests,
    keep: values.keep ?? false,
    dataDir: values.data ? resolve(values.data) : undefined,
    timeScale,
    schedules: values.schedules ?? false,
  };
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const seconds = (from = startedAt) => ((performance.now() - from) / 1000).toFixed(2);
  const options = parseOptions(process.argv.slice(2));
  const home = resolve('.local-cloud');
  mkdirSync(home, { recursive: true });

  const synthStarted = performance.now();
  const assemblyDir = synthesize(join(home, 'cdk.out'), options.context);
  const synthSeconds = seconds(synthStarted);

  // Function logs go to a file (they are JSON lines, EMF included); the console shows progress.
  const logFile = join(home, 'functions.log');
  const logStream = createWriteStream(logFile, { flags: 'w' });
  const counts = Object.fromEntries(STAGES.map((s) => [s, 0])) as StageCounts;
  let firstRoundTrip: string | undefined;
  const log = (line: string) => {
    logStream.write(`${line}\n`);
    if (!line.includes('"_aws"')) return;
    const metrics = JSON.parse(line) as Record<string, unknown>;
    for (const stage of STAGES) {
      if (typeof metrics[stage] === 'number') counts[stage] += metrics[stage];
    }
    if (!firstRoundTrip && counts.Acknowledged > 0) firstRoundTrip = seconds();
  };

  const cloud = await startLocalCloud({
    assemblyDir,
    dataDir: options.dataDir,
    timeScale: options.timeScale,
    schedules: options.schedules,
    stateFile: join(home, 'state.json'),
    log,
  });
  const stopCloud = async () => {
    await cloud.stop();
    await new Promise((done) => logStream.end(done));
  };
  process.once('SIGINT', () => {
    void stopCloud().then(() => process.exit(130));
  });

  try {
    const sqs = new SQSClient(cloud.clientConfig('sqs'));
    const dynamodb = new DynamoDBClient(cloud.clientConfig('dynamodb'));
    console.log(
      `Local cloud up in ${seconds()} s (synth ${synthSeconds} s): SQS ${cloud.endpoints.sqs}, DynamoDB ${cloud.endpoints.dynamodb}`,
    );
    console.log(
      `Asking the requestor for ${options.requests} strings; function logs in ${logFile}`,
    );

    const requestIds = await requestStrings(cloud, options.requests);
    const progress = startProgress(sqs, cloud.outputs, counts, options.requests);
    await cloud.waitForIdle({ timeoutMs: Math.max(60_000, options.requests * 20) });
    await progress.stop();

    const summary = await reconcile({
      sqs,
      dynamodb,
      outputs: cloud.outputs,
      expected: requestIds,
    });
    printSummary(summary, options.requests, counts);
    // With --data, records of earlier runs are expected in the tables.
    const ok = isClean(options.dataDir ? { ...summary, unexpected: [] } : summary);
    console.log(
      `${ok ? 'OK' : 'FAILED'}: ${summary.complete}/${options.requests} round trips in ${seconds()} s` +
        (firstRoundTrip ? ` (first round trip after ${firstRoundTrip} s, synth included)` : ''),
    );
    if (options.keep) {
      cloud.mount('/_console', createConsoleHandler({ target: localCloudTarget(cloud) }).handle);
      printEndpoints(cloud);
      console.log(`Console: ${cloud.endpoint}/_console/`);
      await new Promise(() => {}); // until Ctrl-C
    }
    sqs.destroy();
    dynamodb.destroy();
    return ok ? 0 : 1;
  } finally {
    await stopCloud();
  }
}

/** Invokes the requestor as often as its 10,000-per-call limit needs; returns every request id. */
async function requestStrings(cloud: LocalCloud, total: number): Promise<string[]> {
  const requestor = cloud.outputs.RequestorFunctionName;
  if (!requestor) throw new Error('The stack has no RequestorFunctionName output');
  const ids: string[] = [];
  for (let sent = 0; sent < total; sent += MAX_PER_INVOKE) {
    const count = Math.min(MAX_PER_INVOKE, total - sent);
    const { result, error } = await cloud.invoke(requestor, { count });
    if (error) throw new Error(`The requestor failed: ${error.errorType}: ${error.errorMessage}`);
    ids.push(...(result as { requestIds: string[] }).requestIds);
  }
  return ids;
}

/** Prints per-stage counts and queue depths twice a second (one updating line on a terminal). */
function startProgress(
  sqs: SQSClient,
  outputs: Record<string, string>,
  counts: StageCounts,
  total: number,
): { stop(): Promise<void> } {
  const tty = process.stdout.isTTY;
  let last = '';
  const render = async () => {
    const depths = await Promise.all(
      QUEUES.map(async (q) => {
        const { visible, inFlight } = await queueDepth(sqs, output(outputs, `${q}QueueUrl`));
        return `${q.toLowerCase()} ${visible}+${inFlight}`;
      }),
    );
    const line =
      `requested ${counts.Requested}/${total}  generated ${counts.Generated}  stored ${counts.Stored}  ` +
      `acknowledged ${counts.Acknowledged}  duplicates ${counts.Duplicate}  rejected ${counts.Rejected}  ` +
      `| queues (visible+in flight): ${depths.join(', ')}`;
    if (line === last) return;
    last = line;
    if (tty) process.stdout.write(`\r\x1b[K${line}`);
    else console.log(line);
  };
  let rendering = render();
  const timer = setInterval(() => {
    rendering = rendering.then(render, render);
  }, 500);
  return {
    async stop() {
      clearInterval(timer);
      await rendering.then(render, render);
      if (tty) process.stdout.write('\n');
    },
  };
}

function printSummary(r: Reconciliation, total: number, counts: StageCounts): void {
  const rows: [string, number | string][] = [
    ['requested (Requests table)', r.requested],
    ['generated (Strings table)', r.generated],
    ['stored (Requests: STORED)', r.stored],
    ['acknowledged (Strings: ACKNOWLEDGED)', r.acknowledged],
    ['complete round trips', `${r.complete}/${total}`],
    ['duplicate deliveries absorbed', counts.Duplicate],
    ['in DLQs (request/response/ack)', QUEUES.map((q) => r.deadLetters[q]).join('/')],
    ['left in queues', QUEUES.map((q) => r.queues[q].visible + r.queues[q].inFlight).join('/')],
  ];
  console.log('\nReconciliation');
  for (const [label, value] of rows) console.log(`  ${label.padEnd(38)} ${value}`);
  if (r.mismatched.length > 0)
    console.log(`  values differ for: ${r.mismatched.slice(0, 10).join(', ')}`);
  for (const { requestId, stage } of r.incomplete.slice(0, 10))
    console.log(`  missing ${requestId}: ${stage}`);
  if (r.incomplete.length > 10)
    console.log(`  ... and ${r.incomplete.length - 10} more incomplete`);
  if (r.unexpected.length > 0)
    console.log(`  unexpected records: ${r.unexpected.slice(0, 10).join(', ')}`);
}

function printEndpoints(cloud: LocalCloud): void {
  console.log(`
The local cloud stays up until Ctrl-C. Point the AWS CLI or SDK at it (any credentials, region ${cloud.region}):
  aws --endpoint-url ${cloud.endpoints.sqs} sqs get-queue-attributes --queue-url ${cloud.outputs.RequestQueueUrl} --attribute-names All
  aws --endpoint-url ${cloud.endpoints.dynamodb} dynamodb scan --table-name ${cloud.outputs.RequestsTableName}
  npm run inspect        # queue depths, DLQ contents and table counts
  npm run redrive -- --all`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Bad options, and bad -c values (ConfigError names the key), are the caller's to fix.
    const usage = error instanceof UsageError || (error instanceof TypeError && 'code' in error);
    if (error instanceof Error && error.name === 'ConfigError') {
      console.error(`Invalid context: ${error.message}`);
      process.exit(2);
    }
    if (usage) {
      console.error(`Usage error: ${error.message}`);
      console.error(
        'usage: npm start -- [--requests N] [--keep] [--data DIR] [--time-scale X] [--schedules] [-c key=value]...',
      );
      process.exit(2);
    }
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  },
);
