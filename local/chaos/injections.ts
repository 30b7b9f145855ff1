/**
 * The chaos driver's four kinds of injection, one function each. Each acts on targets the schedule
 * drew beforehand, adds to the report and says whether it hit something: a miss (nothing running,
 * an empty queue, a consumer already paused) is counted as one and does not count the kind as
 * injected.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalCloud } from '../cloud';
import type { ChaosKind, ChaosReport } from './chaos';
import { duplicateMessages } from './duplicate-messages';
import type { Sleeps } from './sleeps';

/** What the injections of one driver act on and record into. */
export interface ChaosContext {
  readonly cloud: LocalCloud;
  readonly sqs: SQSClient;
  /** Queue URLs whose messages `duplicate` copies. */
  readonly duplicateQueues: readonly string[];
  /** How long a paused consumer stays paused. */
  readonly pauseMs: number;
  readonly report: ChaosReport;
  readonly log: (line: string) => void;
  readonly sleeps: Sleeps;
  /** Functions whose consumers are paused now. */
  readonly paused: Set<string>;
  /** Pauses waiting to resume their consumers; a stop waits for them. */
  readonly background: Set<Promise<void>>;
}

/** What one injection aims at, drawn before it acts. */
export interface Targets {
  /** The function to crash or pause. */
  readonly fn: string;
  /** Index of the first of {@link ChaosContext.duplicateQueues} to duplicate from. */
  readonly firstQueue: number;
}

/** One kind of injection: resolves true when it hit something. */
export type Injection = (ctx: ChaosContext, targets: Targets) => Promise<boolean>;

/** Kills every execution environment of the function mid-invocation. */
async function crash(ctx: ChaosContext, { fn }: Targets): Promise<boolean> {
  const killed = await ctx.cloud.crashFunction(fn);
  if (killed === 0) {
    ctx.report.missed += 1;
    ctx.log(`chaos: crash ${fn}: nothing running`);
    return false;
  }
  ctx.report.crashes += 1;
  ctx.report.environmentsKilled += killed;
  ctx.log(`chaos: crashed ${fn} (${killed} environments)`);
  return true;
}

/** Restarts DynamoDB, cutting off the calls in progress. */
async function restart(ctx: ChaosContext): Promise<boolean> {
  await ctx.cloud.restartDynamoDb();
  ctx.report.restarts += 1;
  ctx.log('chaos: restarted DynamoDB');
  return true;
}

/** Delivers messages twice, from the first queue (in turn from the drawn one) that holds any. */
async function duplicate(ctx: ChaosContext, { firstQueue }: Targets): Promise<boolean> {
  const queues = ctx.duplicateQueues;
  let copied = 0;
  for (let i = 0; i < queues.length && copied === 0; i++) {
    const url = queues[(firstQueue + i) % queues.length] ?? '';
    copied = await duplicateMessages(ctx.sqs, url).catch(() => 0);
  }
  if (copied === 0) {
    ctx.report.missed += 1;
    ctx.log('chaos: duplicate: no message to copy');
    return false;
  }
  ctx.report.duplicated += copied;
  ctx.log(`chaos: delivered ${copied} messages twice`);
  return true;
}

/** Stops the function's event source mappings for the pause, then resumes them in the background. */
async function pause(ctx: ChaosContext, { fn }: Targets): Promise<boolean> {
  if (ctx.paused.has(fn)) {
    ctx.report.missed += 1;
    return false;
  }
  ctx.paused.add(fn);
  await ctx.cloud.pauseConsumer(fn);
  ctx.report.pauses += 1;
  ctx.log(`chaos: paused ${fn}'s consumers for ${ctx.pauseMs} ms`);
  const resume = ctx.sleeps.sleep(ctx.pauseMs).then(() => {
    if (!ctx.paused.delete(fn)) return;
    ctx.cloud.resumeConsumer(fn);
  });
  ctx.background.add(resume);
  void resume.finally(() => ctx.background.delete(resume));
  return true;
}

/** Each kind's injection. */
export const INJECTIONS: Readonly<Record<ChaosKind, Injection>> = {
  crash,
  restart,
  duplicate,
  pause,
};
