/**
 * `npm run chaos`: a seeded chaos soak. Runs the pipeline on the local cloud while crashing
 * functions, restarting DynamoDB, delivering messages twice, pausing consumers past their
 * visibility timeout and answering SQS and DynamoDB calls with throttling and 5xx errors, until it
 * is idle; then redrives every DLQ and failure queue once and reconciles both services' records
 * through the endpoint. Exit 0 when every round trip completed exactly once with one value in both
 * tables and nothing is left in a queue or DLQ, 1 otherwise, 2 on bad options. The soak itself is
 * `local/chaos/soak.ts`; this file reads the options and prints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { QUEUES } from '../contract/contract';
import { CHAOS_KINDS, type ChaosKind } from '../local/chaos/chaos';
import { DEFAULT_SOAK_FAULTS, runChaosSoak, type SoakResult } from '../local/chaos/soak';
import { type FaultRule, FaultSpecError, parseFaultRules } from '../local/endpoint/faults';
import { FAILED_INVOCATION_OUTPUTS } from '../ops/reconcile';
import {
  type CommandMain,
  type CommandSpec,
  integerOption,
  isMain,
  type OptionSpecs,
  runCommand,
  UsageError,
} from './cli';
import { onInterrupt } from './ctrl-c';

const OPTIONS = {
  seed: {
    type: 'string',
    default: '1',
    placeholder: 'S',
    description: 'seed of the injections, 0 to 4294967295: the same seed, the same schedule',
  },
  requests: {
    type: 'string',
    short: 'n',
    default: '2000',
    placeholder: 'N',
    description: 'round trips to run, 1 to 1000000',
  },
  faults: {
    type: 'string',
    default: DEFAULT_SOAK_FAULTS,
    placeholder: 'RULES',
    description:
      'endpoint faults, SERVICE[.ACTION]:RATE[:throttle|server] comma-separated; "" for none',
  },
  interval: {
    type: 'string',
    default: '1000',
    placeholder: 'MS',
    description: 'mean time between crashes, restarts, duplicates and pauses, 50 to 600000 ms',
  },
  kinds: {
    type: 'string',
    default: CHAOS_KINDS.join(','),
    placeholder: 'LIST',
    description: `the chaos driver's injections, comma-separated (${CHAOS_KINDS.join(', ')}); "" for none`,
  },
  verbose: {
    type: 'boolean',
    default: false,
    description: 'print each injection and every function log line',
  },
  'state-dir': {
    type: 'string',
    placeholder: 'DIR',
    description:
      'where the synth output goes, as for npm start (default: .local-cloud); the soak keeps its tables in a temporary directory',
  },
} as const satisfies OptionSpecs;

/** What `npm run chaos -- --help` says. */
export const CHAOS: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run chaos --',
  summary: `Runs the pipeline on the local cloud while injecting, on a schedule drawn from the seed, function crashes mid-batch, DynamoDB restarts, messages delivered twice and consumers paused past their visibility timeout (--kinds ${CHAOS_KINDS.join(',')}), and throttling and 5xx answers from SQS and DynamoDB at the endpoint (--faults), until the pipeline is idle. Then, as an operator would, redrives every DLQ and failure queue once (dead letters whose round trip a copy already completed are absorbed and reported as duplicates) and reconciles both tables and every queue. Prints what it injected and the result. Exit 0 when every round trip completed exactly once with one value and no queue or DLQ holds anything, 1 otherwise.`,
  options: OPTIONS,
  examples: [
    'npm run chaos',
    'npm run chaos -- --seed 7 --requests 50000',
    'npm run chaos -- --seed 31337 --requests 3000 --kinds crash',
    'npm run chaos -- --faults sqs.SendMessageBatch:0.1,dynamodb:0.05:server --interval 500',
  ],
};

/** Function timeouts for the soak: crashed batches come back after a few seconds. */
const SOAK_CONTEXT = { requestorTimeoutSeconds: '5', generatorTimeoutSeconds: '5' };
/** With 5 s timeouts the derived visibility timeouts (31 s) scale to the functions' 5 s. */
const SOAK_TIME_SCALE = 10;

/** The command itself, given its parsed options: `runCommand` runs it as a script, tests in-process. */
export const main: CommandMain<typeof OPTIONS> = async (values) => {
  const seed = integerOption('seed', values.seed, { min: 0, max: 0xffffffff });
  const requests = integerOption('requests', values.requests, { min: 1, max: 1_000_000 });
  const intervalMs = integerOption('interval', values.interval, { min: 50, max: 600_000 });
  const kinds = values.kinds.split(',').filter((k) => k !== '');
  const unknown = kinds.find((k) => !CHAOS_KINDS.includes(k as ChaosKind));
  if (unknown !== undefined) {
    throw new UsageError(`--kinds takes ${CHAOS_KINDS.join(', ')}; got ${unknown}`);
  }
  let faults: FaultRule[];
  try {
    faults = parseFaultRules(values.faults);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new UsageError(`--faults: ${error.message}`);
    throw error;
  }
  const started = performance.now();
  console.log(`Chaos soak: seed ${seed}, ${requests} round trips; synthesizing the app...`);
  const { synthesize } = await import('../local/stack/synth');
  const home = resolve(values['state-dir'] ?? '.local-cloud');
  const assemblyDir = synthesize(join(home, 'cdk.out'), SOAK_CONTEXT);
  const dataDir = mkdtempSync(join(tmpdir(), 'string-pipeline-chaos-'));
  onInterrupt(() => {
    // The functions and emulators live in this process and end with it.
    rmSync(dataDir, { recursive: true, force: true });
    console.log('\nInterrupted: the soak stopped without a result');
    process.exit(130);
  });
  let result: SoakResult;
  try {
    result = await runChaosSoak({
      seed,
      dataDir,
      requests,
      assemblyDir,
      timeScale: SOAK_TIME_SCALE,
      faults,
      intervalMs,
      kinds: kinds as ChaosKind[],
      progress: (line) => console.log(line),
      log: values.verbose ? (line) => console.log(line) : undefined,
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(formatSoak(result, requests));
  const total = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${result.clean ? 'OK' : 'FAILED'}: ${result.reconciliation.complete}/${requests} round trips reconciled under chaos in ${result.seconds.toFixed(1)} s (${total} s with synth and startup), seed ${seed}`,
  );
  return result.clean ? 0 : 1;
};

/** The soak's figures, for a person. */
export function formatSoak(result: SoakResult, requests: number): string {
  const r = result.reconciliation;
  const byKind = (service: string, kind: string) =>
    Object.entries(result.faults)
      .filter(([key]) => key.startsWith(`${service}.`) && key.endsWith(`.${kind}`))
      .reduce((n, [, count]) => n + count, 0);
  const rows: [string, string | number][] = [
    [
      'function crashes (environments killed)',
      `${result.chaos.crashes} (${result.chaos.environmentsKilled})`,
    ],
    ['DynamoDB restarts', result.chaos.restarts],
    ['messages delivered twice', result.chaos.duplicated],
    ['consumers paused past visibility timeout', result.chaos.pauses],
    ['SQS throttles / 5xx', `${byKind('sqs', 'throttle')} / ${byKind('sqs', 'server')}`],
    [
      'DynamoDB throttles / 5xx',
      `${byKind('dynamodb', 'throttle')} / ${byKind('dynamodb', 'server')}`,
    ],
    ['injections with nothing to hit', result.chaos.missed],
    ['requestor invocations retried', result.requestorRetries],
    [
      'failed function invocations',
      Object.entries(result.functionErrors)
        .map(([name, n]) => `${name} ${n}`)
        .join(', '),
    ],
  ];
  const before = result.beforeRedrive;
  const redriven = result.redrive;
  const recovery: [string, string | number][] = [
    ['complete when chaos stopped', `${before.complete}/${requests}`],
    ['in DLQs then (request/response/ack)', QUEUES.map((q) => before.deadLetters[q]).join('/')],
    ['redriven (request/response/ack)', QUEUES.map((q) => redriven.moved[q] ?? 0).join('/')],
    ['failed invocations replayed', redriven.replayed],
    ['of the redriven, duplicates absorbed', redriven.duplicates],
  ];
  const outcome: [string, string | number][] = [
    ['complete round trips', `${r.complete}/${requests}`],
    ['values differ', r.mismatched.length],
    ['in DLQs (request/response/ack)', QUEUES.map((q) => r.deadLetters[q]).join('/')],
    [
      'failed invocations (schedule/requestor)',
      FAILED_INVOCATION_OUTPUTS.map((key) => r.failedInvocations[key] ?? 0).join('/'),
    ],
    ['left in queues', QUEUES.map((q) => r.queues[q].visible + r.queues[q].inFlight).join('/')],
    ['unexpected records', r.unexpected.length],
  ];
  const lines = ['Injected'];
  for (const [label, value] of rows) lines.push(`  ${label.padEnd(42)} ${value}`);
  lines.push('Redrive, once');
  for (const [label, value] of recovery) lines.push(`  ${label.padEnd(42)} ${value}`);
  for (const failure of redriven.failures.slice(0, 10)) lines.push(`  not redriven: ${failure}`);
  lines.push('Reconciliation');
  for (const [label, value] of outcome) lines.push(`  ${label.padEnd(42)} ${value}`);
  for (const { requestId, stage } of r.incomplete.slice(0, 10))
    lines.push(`  missing ${requestId}: ${stage}`);
  if (r.incomplete.length > 10) lines.push(`  ... and ${r.incomplete.length - 10} more incomplete`);
  if (r.mismatched.length > 0)
    lines.push(`  values differ for: ${r.mismatched.slice(0, 10).join(', ')}`);
  return lines.join('\n');
}

if (isMain(import.meta.url)) runCommand(CHAOS, main);
