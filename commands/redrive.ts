/**
 * `npm run redrive`: move the messages in a DLQ back to its source queue, once the cause of their
 * failure is fixed. Uses SQS StartMessageMoveTask where the endpoint has it (AWS, LocalStack) and
 * an equivalent receive/send/delete loop where it does not (the local cloud).
 *
 *   npm run redrive -- (--queue request|response|ack | --all) [--dry-run] [--max N] [target options]
 */

import { QUEUES, type QueueKey } from '../ops/reconcile';
import { redrive } from '../ops/redrive';
import { isMain, parse, run, TARGET_OPTIONS, TARGET_USAGE, targetFrom, UsageError } from './cli';

const USAGE = `npm run redrive -- (--queue request|response|ack | --all) [--dry-run] [--max N] ${TARGET_USAGE}`;

if (isMain(import.meta.url)) {
  run(USAGE, async () => {
    const values = parse(process.argv.slice(2), {
      ...TARGET_OPTIONS,
      queue: { type: 'string' },
      all: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      max: { type: 'string' },
    });
    const queues = parseQueues(values.queue, values.all ?? false);
    const max = values.max === undefined ? undefined : Number(values.max);
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new UsageError(`--max must be a positive integer, got ${values.max}`);
    }
    const target = await targetFrom(values);
    console.log(`Target: ${target.description}`);
    const results = await redrive(target, {
      queues,
      dryRun: values['dry-run'],
      max,
      onProgress: (p) =>
        console.log(
          `  ${p.queue.toLowerCase()} DLQ: move task moved ${p.moved}${p.toMove === undefined ? '' : ` of ${p.toMove}`}`,
        ),
    });
    for (const r of results) {
      const what =
        r.method === 'dry-run'
          ? `would move ${r.toMove} of ${r.waiting}`
          : `moved ${r.moved} of ${r.waiting}`;
      console.log(
        `${r.queue.toLowerCase()} DLQ -> ${r.queue.toLowerCase()} queue: ${what} (${r.method})`,
      );
      for (const f of r.failed) {
        const outcome =
          f.stage === 'send'
            ? 'not moved, still in the DLQ'
            : 'moved but not deleted from the DLQ, so it is in both';
        console.log(`  ${f.messageId}: ${outcome}: ${f.reason}`);
      }
    }
    return results.some((r) => r.failed.length > 0) ? 1 : 0;
  });
}

/** `--queue name` or `--all` to the queue keys, or a usage error naming the bad value. */
export function parseQueues(queue: string | undefined, all: boolean): QueueKey[] {
  if (all && queue) throw new UsageError('give either --queue or --all, not both');
  if (all) return [...QUEUES];
  if (!queue)
    throw new UsageError('say which DLQ to redrive: --queue request|response|ack, or --all');
  const key = QUEUES.find((q) => q.toLowerCase() === queue.toLowerCase());
  if (!key)
    throw new UsageError(`unknown queue ${JSON.stringify(queue)}: use request, response or ack`);
  return [key];
}
