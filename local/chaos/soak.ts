/**
 * The chaos soak behind `npm run chaos` and its test: runs the pipeline on a local cloud under the
 * chaos driver (`chaos.ts`) and the endpoint's faults until it is idle, asking for strings with
 * idempotency keys (retrying a failed call with the same key); then redrives what chaos
 * dead-lettered once (`redrive-once.ts`), reconciles through the endpoint and says what was
 * injected and what it found.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Output, QUEUES, queueOutputs } from '../../contract/contract';
import { isClean, output, type Reconciliation, reconcile } from '../../ops/reconcile';
import type { LocalCloud } from '../cloud';
import { type FaultCounts, type FaultRule, parseFaultRules } from '../endpoint/faults';
import { CHAOS_KINDS, type ChaosKind, type ChaosReport, startChaos } from './chaos';
import { redriveOnce, type SoakRedrive } from './redrive-once';

/** The endpoint faults of a soak unless `--faults` says otherwise. */
export const DEFAULT_SOAK_FAULTS = 'sqs:0.02,sqs:0.01:server,dynamodb:0.02,dynamodb:0.01:server';

/** Options of {@link runChaosSoak}. */
export interface SoakOptions {
  /** Seeds the endpoint's faults and the chaos schedule. */
  readonly seed: number;
  /** Round trips to ask the requestor for. */
  readonly requests: number;
  /**
   * The pipeline's cloud assembly, with short function timeouts: crashed batches come back after
   * the visibility timeout, which never drops below the consumer's timeout.
   */
  readonly assemblyDir: string;
  /** The local cloud's time scale (visibility timeouts, batching windows). */
  readonly timeScale: number;
  /** @default {@link DEFAULT_SOAK_FAULTS} */
  readonly faults?: readonly FaultRule[];
  /** Mean time between two chaos injections, in ms. @default 1000 */
  readonly intervalMs?: number;
  /** The chaos driver's kinds of injection. @default all of {@link CHAOS_KINDS} */
  readonly kinds?: readonly ChaosKind[];
  /** Functions (names) the driver crashes and pauses. @default every function of the stack */
  readonly functions?: readonly string[];
  /**
   * The chaos driver stops injecting once every kind has hit something this many times; the
   * endpoint's faults go on until the pipeline is idle. For a short soak. @default until idle
   */
  readonly hits?: number;
  /** Requests per requestor invocation; each must finish within the requestor's timeout. @default 50 */
  readonly perInvoke?: number;
  /** Called about once a second with a progress line. @default silent */
  readonly progress?: (line: string) => void;
  /** Function logs and injections, one line each (costs CPU). @default discarded */
  readonly log?: (line: string) => void;
  /** DynamoDB's directory, which must be empty. @default a temporary one, removed afterwards */
  readonly dataDir?: string;
}

/** What a soak injected and found. */
export interface SoakResult {
  /** From the first requestor invocation until the pipeline was idle. */
  readonly seconds: number;
  readonly chaos: ChaosReport;
  /** Endpoint faults by `service.Action.kind`. */
  readonly faults: FaultCounts;
  /** Requestor invocations that failed (crashed, throttled past their retries) and were retried. */
  readonly requestorRetries: number;
  /** Failed invocations per function, crashes included. */
  readonly functionErrors: Record<string, number>;
  /** Where the requests stood when chaos stopped: what it left incomplete and dead-lettered. */
  readonly beforeRedrive: Reconciliation;
  /** The one redrive of every DLQ and failure queue after chaos stopped. */
  readonly redrive: SoakRedrive;
  /** Where the requests stand after the redrive. */
  readonly reconciliation: Reconciliation;
  /**
   * Every round trip complete exactly once, one value in both tables, nothing left in a queue or
   * DLQ, and every dead letter redriven.
   */
  readonly clean: boolean;
}

/**
 * The soak's own requestor calls retry a failed invocation this often before giving up: under
 * chaos an invocation may meet several crashes and restarts in a row, and a caller retrying with
 * its idempotency key is exactly what the pipeline promises to absorb.
 */
const MAX_INVOKE_ATTEMPTS = 100;
/** Requestor invocations at once. */
const INVOKE_CONCURRENCY = 4;

/**
 * Runs the pipeline on a fresh local cloud (DynamoDB on a temporary directory, so it survives its
 * restarts) under seeded chaos: endpoint faults and the chaos driver's crashes, restarts,
 * duplicates and pauses for the whole run, until the pipeline is idle. Then it turns both off,
 * redrives every DLQ and failure queue once and reconciles.
 *
 * Requests are asked for in invocations keyed `chaos-SEED-N`; a failed invocation is retried with
 * its key, as a caller should, so it re-sends the same request ids.
 */
export async function runChaosSoak(opts: SoakOptions): Promise<SoakResult> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'string-pipeline-chaos-'));
  const { startLocalCloud } = await import('../cloud');
  const rules = opts.faults ?? parseFaultRules(DEFAULT_SOAK_FAULTS);
  let cloud: LocalCloud | undefined;
  try {
    cloud = await startLocalCloud({
      assemblyDir: opts.assemblyDir,
      dataDir,
      timeScale: opts.timeScale,
      faults: { seed: opts.seed, rules },
      log: opts.log ? (line) => opts.log?.(line) : undefined,
    });
    return await soakOn(cloud, opts);
  } finally {
    await cloud?.stop();
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The soak on a started cloud: asks for the strings under chaos, which goes on until the pipeline
 * is idle; then stops it, turns the endpoint's faults off, redrives once and reconciles.
 */
async function soakOn(live: LocalCloud, opts: SoakOptions): Promise<SoakResult> {
  const sqs = new SQSClient(live.clientConfig('sqs'));
  const dynamodb = new DynamoDBClient(live.clientConfig('dynamodb'));
  const reconcileAsked = (expected: readonly string[]) =>
    reconcile({ sqs, dynamodb, outputs: live.outputs, expected });
  try {
    const started = performance.now();
    const chaos = startChaos(live, {
      // Another stream than the endpoint's, from the same seed.
      seed: (opts.seed ^ 0x9e3779b9) >>> 0,
      intervalMs: opts.intervalMs ?? 1000,
      kinds: opts.kinds,
      hits: opts.hits,
      functions: opts.functions,
      duplicateQueues: QUEUES.map((q) => output(live.outputs, queueOutputs(q).queue)),
      log: opts.log,
    });
    let requested = 0;
    const timer = setInterval(() => {
      opts.progress?.(progressLine(live, chaos.report(), requested, opts.requests, started));
    }, 1000);
    try {
      const asked = await askForStrings(live, opts, (n) => {
        requested += n;
      });
      // Chaos goes on while the pipeline works through what was asked, not only while asking.
      await live.waitForIdle({ timeoutMs: chaosIdleTimeoutMs(opts.requests) });
      const report = await chaos.stop();
      await live.waitForIdle({ timeoutMs: idleTimeoutMs(opts.requests) });
      const seconds = (performance.now() - started) / 1000;
      const faults = live.injectedFaults();
      live.setFaults(undefined);
      const beforeRedrive = await reconcileAsked(asked.ids);
      const incomplete = new Set(beforeRedrive.incomplete.map((r) => r.requestId));
      const redrive = await redriveOnce(
        live,
        (id) => !incomplete.has(id),
        idleTimeoutMs(opts.requests),
      );
      const reconciliation = await reconcileAsked(asked.ids);
      const lambda = live.metrics().lambda;
      return {
        seconds,
        chaos: report,
        faults,
        requestorRetries: asked.retries,
        functionErrors: Object.fromEntries(
          Object.entries(lambda).map(([name, m]) => [name, m.errors]),
        ),
        beforeRedrive,
        redrive,
        reconciliation,
        clean:
          isClean(reconciliation) &&
          reconciliation.complete === opts.requests &&
          redrive.failures.length === 0,
      };
    } finally {
      clearInterval(timer);
      await chaos.stop();
    }
  } finally {
    sqs.destroy();
    dynamodb.destroy();
  }
}

/**
 * How long the pipeline may take to become idle under chaos: each crash sends the batches it
 * killed back after their visibility timeout, so draining takes longer than without.
 */
function chaosIdleTimeoutMs(requests: number): number {
  return Math.max(240_000, requests * 80);
}

/** Generous: the soak waits out visibility timeouts after crashes, on a loaded machine. */
function idleTimeoutMs(requests: number): number {
  return Math.max(90_000, requests * 20);
}

/**
 * Asks the requestor for `opts.requests` strings, a few invocations at once, each retried with its
 * idempotency key until it succeeds; resolves with every request id in order.
 */
async function askForStrings(
  cloud: LocalCloud,
  opts: SoakOptions,
  onRequested: (n: number) => void,
): Promise<{ ids: string[]; retries: number }> {
  const requestor = output(cloud.outputs, Output.RequestorFunctionName);
  const perInvoke = opts.perInvoke ?? 50;
  const chunks = Math.ceil(opts.requests / perInvoke);
  const ids: string[][] = [];
  let retries = 0;
  let next = 0;
  const worker = async () => {
    while (next < chunks) {
      const chunk = next++;
      const count = Math.min(perInvoke, opts.requests - chunk * perInvoke);
      const payload = { count, idempotencyKey: `chaos-${opts.seed}-${chunk}` };
      for (let attempt = 1; ; attempt++) {
        const { result, error } = await cloud.invoke(requestor, payload);
        if (!error) {
          ids[chunk] = (result as { requestIds: string[] }).requestIds;
          onRequested(count);
          break;
        }
        if (attempt >= MAX_INVOKE_ATTEMPTS) {
          throw new Error(
            `The requestor failed ${attempt} times for ${JSON.stringify(payload)}: ${error.errorType}: ${error.errorMessage}`,
          );
        }
        retries += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * attempt)));
      }
    }
  };
  await Promise.all(Array.from({ length: INVOKE_CONCURRENCY }, worker));
  return { ids: ids.flat(), retries };
}

function progressLine(
  cloud: LocalCloud,
  chaos: ChaosReport,
  requested: number,
  total: number,
  started: number,
): string {
  const faults = Object.values(cloud.injectedFaults()).reduce((a, b) => a + b, 0);
  const invocations = Object.values(cloud.metrics().lambda).reduce((n, m) => n + m.invocations, 0);
  return (
    `${((performance.now() - started) / 1000).toFixed(0)} s: requested ${requested}/${total}, ` +
    `${invocations} invocations | injected: ${chaos.crashes} crashes, ${chaos.restarts} DynamoDB restarts, ` +
    `${chaos.duplicated} duplicates, ${chaos.pauses} pauses, ${faults} endpoint faults`
  );
}
