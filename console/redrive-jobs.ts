/**
 * Redrives the page starts and follows: each runs in the background and reports its progress
 * (moved / to move, failures) while it runs, for the page to poll.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { QUEUES, type QueueKey, queueOutputs } from '../contract/contract';
import { type RedriveFailure, redrive } from '../ops/redrive';
import { requireOutput } from '../ops/target';
import { type ConsoleContext, ConsoleRequestError, upstream } from './context';

/** A redrive's state, as the page shows it. */
export interface RedriveProgress {
  readonly queue: string;
  readonly state: 'running' | 'done' | 'failed';
  /** `move-task`: SQS StartMessageMoveTask (AWS, LocalStack, all messages); `copy`: receive, send, delete. */
  readonly method: 'move-task' | 'copy';
  /** Messages to move: the DLQ's count when the redrive started, capped by `max`. */
  readonly toMove: number;
  readonly moved: number;
  readonly failed: readonly RedriveFailure[];
  /** Why the redrive stopped, when it failed. */
  readonly error?: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
}

/** Messages per copy step: small enough for about 20 progress reports, at least one receive's worth. */
const stepSize = (toMove: number) => Math.max(10, Math.ceil(toMove / 20));

/** The last redrive of each DLQ, running or finished. */
export class RedriveJobs {
  private readonly jobs = new Map<string, RedriveProgress>();

  constructor(private readonly ctx: ConsoleContext) {}

  /** Starts moving a DLQ's messages (all, or up to `max`) back to its source queue. */
  async start(id: string, max: number | undefined): Promise<RedriveProgress> {
    this.ctx.requireWrites('redrive a dead-letter queue');
    const queue = QUEUES.find((q) => `${q.toLowerCase()}-dlq` === id);
    if (!queue) throw new ConsoleRequestError(`${id} is not a dead-letter queue of the stack`, 404);
    const current = this.jobs.get(id);
    if (current?.state === 'running') {
      throw new ConsoleRequestError(
        `A redrive of ${id} is already running (${current.moved} of ${current.toMove} moved)`,
        409,
      );
    }
    const method = this.ctx.target.kind !== 'local' && max === undefined ? 'move-task' : 'copy';
    const waiting = await this.waiting(id, queue);
    const job: RedriveProgress = {
      queue: id,
      state: 'running',
      method,
      toMove: Math.min(waiting, max ?? waiting),
      moved: 0,
      failed: [],
      startedAt: new Date(this.ctx.now()).toISOString(),
    };
    this.jobs.set(id, job);
    const update = (change: Partial<RedriveProgress>) =>
      this.jobs.set(id, { ...(this.jobs.get(id) ?? job), ...change });
    const run =
      method === 'move-task' ? this.moveTask(queue, update) : this.copy(queue, job, update);
    run.then(
      () => update({ state: 'done', finishedAt: new Date(this.ctx.now()).toISOString() }),
      (error: unknown) =>
        update({
          state: 'failed',
          error: upstream(`The redrive of ${id}`, error).message,
          finishedAt: new Date(this.ctx.now()).toISOString(),
        }),
    );
    return job;
  }

  /** The last redrive of `id`, running or finished. */
  get(id: string): RedriveProgress {
    const job = this.jobs.get(id);
    if (!job) throw new ConsoleRequestError(`No redrive of ${id} since the console started`, 404);
    return job;
  }

  /** SQS moves everything; ListMessageMoveTasks reports its progress about once a second. */
  private async moveTask(
    queue: QueueKey,
    update: (change: Partial<RedriveProgress>) => void,
  ): Promise<void> {
    const [result] = await redrive(this.ctx.target, {
      queues: [queue],
      onProgress: (p) => update({ moved: p.moved, ...(p.toMove ? { toMove: p.toMove } : {}) }),
    });
    if (result) update({ moved: result.moved, failed: result.failed });
  }

  /** The copy, a step at a time, so the counts move while it runs. */
  private async copy(
    queue: QueueKey,
    job: RedriveProgress,
    update: (change: Partial<RedriveProgress>) => void,
  ): Promise<void> {
    let moved = 0;
    const failed: RedriveFailure[] = [];
    let handled = 0;
    while (handled < job.toMove) {
      const [step] = await redrive(this.ctx.target, {
        queues: [queue],
        max: Math.min(stepSize(job.toMove), job.toMove - handled),
      });
      if (!step) break;
      moved += step.moved;
      failed.push(...step.failed);
      // A failed send leaves the message in the DLQ: counted as handled, so the loop ends.
      const stepHandled = step.moved + step.failed.filter((f) => f.stage === 'send').length;
      handled += stepHandled;
      update({ moved, failed: [...failed] });
      if (stepHandled === 0) break;
    }
  }

  private async waiting(id: string, queue: QueueKey): Promise<number> {
    const url = requireOutput(this.ctx.target, queueOutputs(queue).dlq);
    const { Attributes: a = {} } = await this.ctx.call(`GetQueueAttributes on ${id}`, () =>
      this.ctx.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      ),
    );
    return Number(a.ApproximateNumberOfMessages ?? 0);
  }
}
