import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalCloud } from '../cloud';
import { seededRandom } from '../endpoint/faults';

/**
 * What the chaos driver does to a running local cloud, besides the endpoint's faults:
 * - `crash`: kills every execution environment of a function mid-invocation;
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
  const random = seededRandom(opts.seed);
  const kinds = opts.kinds ?? CHAOS_KINDS;
  const functions = opts.functions ?? Object.values(cloud.functions).map((f) => f.name);
  const longestVisibility = Math.max(
    1,
    ...Object.values(cloud.queues).map((q) => q.visibilityTimeoutSeconds),
  );
  const pauseMs = opts.pauseMs ?? longestVisibility * 1000 + 500;
  const log = opts.log ?? (() => {});
  const sqs = new SQSClient(cloud.clientConfig('sqs'));
  const report: ChaosReport = {
    crashes: 0,
    environmentsKilled: 0,
    restarts: 0,
    duplicated: 0,
    pauses: 0,
    missed: 0,
    rounds: 0,
  };
  const injected = new Set<ChaosKind>();
  let allInjected: () => void = () => {};
  const allKinds = new Promise<void>((resolve) => {
    allInjected = resolve;
  });
  const paused = new Set<string>();
  const background = new Set<Promise<void>>();
  let stopped = false;
  /** Ends the waits in progress, so a stop does not wait out a pause. */
  const sleepers = new Set<() => void>();

  const pick = <T>(items: readonly T[]): T | undefined =>
    items[Math.floor(random() * items.length) % Math.max(1, items.length)];
  const done = (kind: ChaosKind) => {
    injected.add(kind);
    if (kinds.every((k) => injected.has(k))) allInjected();
  };

  /** Takes up to ten messages off `url` and sends two copies of each; returns how many. */
  async function duplicateFrom(url: string): Promise<number> {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return 0;
    const copies = (copy: number) =>
      Messages.map((m: Message, i) => ({
        Id: `${copy}-${i}`,
        MessageBody: m.Body ?? '',
        MessageAttributes: m.MessageAttributes,
      }));
    const sent = new Map<number, number>();
    for (const copy of [0, 1]) {
      // A failed send leaves the original in flight: it returns after the visibility timeout.
      const result = await sqs
        .send(new SendMessageBatchCommand({ QueueUrl: url, Entries: copies(copy) }))
        .catch(() => undefined);
      for (const ok of result?.Successful ?? []) {
        const index = Number(ok.Id?.split('-')[1]);
        sent.set(index, (sent.get(index) ?? 0) + 1);
      }
    }
    // Only originals with a copy on the queue are deleted, so nothing is ever lost here.
    const replaced = Messages.map((m, i) => ({ m, i })).filter(({ i }) => sent.has(i));
    if (replaced.length > 0) {
      await sqs
        .send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: replaced.map(({ m, i }) => ({
              Id: String(i),
              ReceiptHandle: m.ReceiptHandle,
            })),
          }),
        )
        .catch(() => undefined);
    }
    return [...sent.values()].filter((n) => n === 2).length;
  }

  async function inject(kind: ChaosKind): Promise<void> {
    // Targets are drawn before acting, so the draws (and the schedule) do not depend on timing.
    const fn = pick(functions) ?? '';
    const start = Math.floor(random() * opts.duplicateQueues.length);
    switch (kind) {
      case 'crash': {
        const killed = await cloud.crashFunction(fn);
        if (killed === 0) {
          report.missed += 1;
          log(`chaos: crash ${fn}: nothing running`);
          return;
        }
        report.crashes += 1;
        report.environmentsKilled += killed;
        log(`chaos: crashed ${fn} (${killed} environments)`);
        break;
      }
      case 'restart':
        await cloud.restartDynamoDb();
        report.restarts += 1;
        log('chaos: restarted DynamoDB');
        break;
      case 'duplicate': {
        let copied = 0;
        for (let i = 0; i < opts.duplicateQueues.length && copied === 0; i++) {
          const url = opts.duplicateQueues[(start + i) % opts.duplicateQueues.length] ?? '';
          copied = await duplicateFrom(url).catch(() => 0);
        }
        if (copied === 0) {
          report.missed += 1;
          log('chaos: duplicate: no message to copy');
          return;
        }
        report.duplicated += copied;
        log(`chaos: delivered ${copied} messages twice`);
        break;
      }
      case 'pause': {
        if (paused.has(fn)) {
          report.missed += 1;
          return;
        }
        paused.add(fn);
        await cloud.pauseConsumer(fn);
        report.pauses += 1;
        log(`chaos: paused ${fn}'s consumers for ${pauseMs} ms`);
        const resume = sleep(pauseMs).then(() => {
          if (!paused.delete(fn)) return;
          cloud.resumeConsumer(fn);
        });
        background.add(resume);
        void resume.finally(() => background.delete(resume));
        break;
      }
    }
    done(kind);
  }

  /** Waits `ms`, or less if the driver is stopped meanwhile. */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        sleepers.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      sleepers.add(end);
    });
  }

  const loop = (async () => {
    while (!stopped) {
      // One round: every kind once, in an order drawn from the seed (Fisher-Yates).
      const round = [...kinds];
      for (let i = round.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [round[i], round[j]] = [round[j] as ChaosKind, round[i] as ChaosKind];
      }
      for (const kind of round) {
        await sleep(opts.intervalMs * (0.5 + random()));
        if (stopped) return;
        await inject(kind).catch((error: unknown) => {
          report.missed += 1;
          log(`chaos: ${kind} failed: ${error instanceof Error ? error.message : String(error)}`);
        });
      }
      report.rounds += 1;
    }
  })();

  return {
    report: () => ({ ...report }),
    allKindsInjected: () => allKinds,
    async stop() {
      stopped = true;
      for (const end of [...sleepers]) end();
      allInjected();
      await loop;
      for (const fn of paused) cloud.resumeConsumer(fn);
      paused.clear();
      await Promise.all([...background]);
      sqs.destroy();
      return { ...report };
    },
  };
}
