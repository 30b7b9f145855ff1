/**
 * The chaos driver: its options and report, and {@link startChaos}, which runs a seeded schedule
 * (`schedule.ts`) of injections (`injections.ts`) on a local cloud until it is stopped.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalCloud } from '../cloud';
import { seededRandom } from '../endpoint/faults';
import type { ChaosContext } from './injections';
import { runSchedule } from './schedule';
import { Sleeps } from './sleeps';

/**
 * What the chaos driver does to a running local cloud, besides the endpoint's faults:
 * - `crash`: kills every execution environment of a function that runs an invocation;
 * - `restart`: restarts DynamoDB (dynalite), cutting off the calls in progress;
 * - `duplicate`: takes messages off a queue and puts two copies of each back, as SQS's
 *   at-least-once delivery may;
 * - `pause`: stops a function's event source mappings for longer than the visibility timeout.
 */
export type ChaosKind = 'crash' | 'restart' | 'duplicate' | 'pause';
export const CHAOS_KINDS: readonly ChaosKind[] = ['crash', 'restart', 'duplicate', 'pause'];

/** Options of {@link startChaos}. */
export interface ChaosOptions {
  /** Seed of the schedule: the same seed gives the same injections, in the same order. */
  readonly seed: number;
  /** Mean time between two injections, in ms; each wait is drawn from half to one and a half of it. */
  readonly intervalMs: number;
  /** Queue URLs whose messages `duplicate` copies. */
  readonly duplicateQueues: readonly string[];
  /** Functions (names) to crash and pause. @default every function of the cloud */
  readonly functions?: readonly string[];
  /** How long a paused consumer stays paused. @default the longest visibility timeout + 0.5 s */
  readonly pauseMs?: number;
  /** Kinds to inject, each once per round in a seeded order. @default all of {@link CHAOS_KINDS} */
  readonly kinds?: readonly ChaosKind[];
  /** One line per injection, for a verbose run. @default discard */
  readonly log?: (line: string) => void;
  /**
   * Stops injecting once every kind has hit something this many times (a crash that killed, a
   * duplicate that copied); the endpoint's faults go on. @default never
   */
  readonly hits?: number;
}

/** What the driver injected. */
export interface ChaosReport {
  /** Crashes that killed at least one running environment. */
  crashes: number;
  environmentsKilled: number;
  restarts: number;
  /** Messages delivered twice because the driver put two copies back. */
  duplicated: number;
  pauses: number;
  /** Injections that could not be done (nothing to crash, an empty queue, an API error). */
  missed: number;
  /** Complete rounds of the schedule (each kind once per round). */
  rounds: number;
}

/** A chaos driver at work on a local cloud. */
export interface Chaos {
  /** What it injected so far. */
  report(): ChaosReport;
  /** Resolves once every kind was injected at least once, or the driver is stopped. */
  allKindsInjected(): Promise<void>;
  /** Stops injecting, resumes paused consumers and waits for injections in progress. */
  stop(): Promise<ChaosReport>;
}

/**
 * Starts injecting faults into `cloud` on a seeded schedule: waits, kinds (each once per round, in
 * a shuffled order) and targets are drawn from one generator, so a seed replays the same schedule
 * as far as timing allows (a crash finds whatever runs at that moment).
 *
 * `restart` keeps the tables only if the cloud was started with a `dataDir`.
 */
export function startChaos(cloud: LocalCloud, opts: ChaosOptions): Chaos {
  const kinds = opts.kinds ?? CHAOS_KINDS;
  const ctx = chaosContext(cloud, opts);
  const progress = kindsProgress(kinds);
  let stopped = false;
  const loop = runSchedule(ctx, {
    random: seededRandom(opts.seed),
    kinds,
    intervalMs: opts.intervalMs,
    functions: opts.functions ?? Object.values(cloud.functions).map((f) => f.name),
    stopped: () => stopped || (opts.hits !== undefined && progress.hitAtLeast(opts.hits)),
    injected: progress.injected,
  });

  return {
    report: () => ({ ...ctx.report }),
    allKindsInjected: () => progress.all,
    async stop() {
      stopped = true;
      ctx.sleeps.endAll();
      progress.end();
      await loop;
      for (const fn of ctx.paused) cloud.resumeConsumer(fn);
      ctx.paused.clear();
      await Promise.all([...ctx.background]);
      ctx.sqs.destroy();
      return { ...ctx.report };
    },
  };
}

/** A driver's state at its start: an empty report, nothing paused, the options resolved. */
function chaosContext(cloud: LocalCloud, opts: ChaosOptions): ChaosContext {
  const longestVisibility = Math.max(
    1,
    ...Object.values(cloud.queues).map((q) => q.visibilityTimeoutSeconds),
  );
  return {
    cloud,
    sqs: new SQSClient(cloud.clientConfig('sqs')),
    duplicateQueues: opts.duplicateQueues,
    pauseMs: opts.pauseMs ?? longestVisibility * 1000 + 500,
    report: {
      crashes: 0,
      environmentsKilled: 0,
      restarts: 0,
      duplicated: 0,
      pauses: 0,
      missed: 0,
      rounds: 0,
    },
    log: opts.log ?? (() => {}),
    sleeps: new Sleeps(),
    paused: new Set(),
    background: new Set(),
  };
}

/** Which kinds were injected so far, and a promise kept once all were (or the driver stops). */
function kindsProgress(kinds: readonly ChaosKind[]) {
  const hits = new Map<ChaosKind, number>();
  let end: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    end = resolve;
  });
  const hitAtLeast = (n: number) => kinds.every((k) => (hits.get(k) ?? 0) >= n);
  return {
    all,
    end,
    hitAtLeast,
    injected: (kind: ChaosKind) => {
      hits.set(kind, (hits.get(kind) ?? 0) + 1);
      if (hitAtLeast(1)) end();
    },
  };
}
