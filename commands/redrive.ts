/**
 * `npm run redrive`: move the messages in a DLQ back to its source queue, once the cause of their
 * failure is fixed. Uses SQS StartMessageMoveTask where the endpoint has it (AWS, LocalStack) and
 * an equivalent receive/send/delete loop where it does not (the local cloud). The failed-invocation
 * queues (the schedule's DLQ, the requestor's on-failure destination) are replayed by re-invoking
 * the requestor asynchronously with each message's payload.
 */
import { QUEUES, type QueueKey } from '../contract/contract';
import {
  FAILED_INVOCATION_QUEUES,
  type FailedInvocationLabel,
  redriveFailedInvocations,
} from '../ops/failed-invocations';
import { redrive } from '../ops/redrive';
import { findStranded, retryStranded } from '../ops/stranded';
import type { Target } from '../ops/target';
import {
  type CommandMain,
  type CommandSpec,
  integerOption,
  isMain,
  type OptionSpecs,
  runCommand,
  synopsisOf,
  TARGET_OPTIONS,
  targetFrom,
  UsageError,
} from './cli';

const QUEUE_NAMES = QUEUES.map((q) => q.toLowerCase()).join('|');
const INVOCATION_NAMES = FAILED_INVOCATION_QUEUES.map((q) => q.label).join('|');
const ALL_NAMES = `${QUEUE_NAMES}|${INVOCATION_NAMES}`;

const OPTIONS = {
  queue: {
    type: 'string',
    placeholder: ALL_NAMES,
    description:
      "the queue whose DLQ to empty back into it; schedule-dlq or requestor-failures re-invoke the requestor with each failed invocation's payload",
  },
  all: {
    type: 'boolean',
    default: false,
    description: "every queue's DLQ, then the failed-invocation queues, one after the other",
  },
  stranded: {
    type: 'boolean',
    default: false,
    description:
      "re-send requests an invocation recorded but never sent (see `npm run inspect`): the requestor is invoked again with that invocation's idempotency key and count, so the same ids go out and none is asked for twice",
  },
  'dry-run': {
    type: 'boolean',
    default: false,
    description: 'say how many messages would move, move none',
  },
  max: {
    type: 'string',
    placeholder: 'N',
    description: 'move (or re-invoke) at most N messages per queue (copies instead of a move task)',
  },
  ...TARGET_OPTIONS,
} as const satisfies OptionSpecs;

/** What `npm run redrive -- --help` says. */
export const REDRIVE: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run redrive --',
  summary:
    "Moves dead letters back to their source queue once the cause of their failure is fixed: with SQS StartMessageMoveTask where the endpoint has it (AWS, LocalStack), by receive/send/delete where it does not (the local cloud). Failure attributes are dropped from moved messages. Failed requestor invocations (schedule-dlq, requestor-failures) are replayed: the requestor is invoked asynchronously with each message's payload, and the message deleted once Lambda accepted it; a retried tick re-sends the same request ids, so nothing is requested twice. --stranded re-sends the requests an invocation recorded but never sent (listed by `npm run inspect`), invoking the requestor again with that invocation's idempotency key and count.",
  options: OPTIONS,
  synopsis: `(--queue ${ALL_NAMES} | --all | --stranded) ${synopsisOf({ 'dry-run': OPTIONS['dry-run'], max: OPTIONS.max, ...TARGET_OPTIONS })}`,
  examples: [
    'npm run redrive -- --queue response --dry-run',
    'npm run redrive -- --all',
    'npm run redrive -- --queue ack --max 10 --endpoint http://localhost:4566',
    'npm run redrive -- --queue requestor-failures --dry-run',
    'npm run redrive -- --stranded',
  ],
};

/** The command itself, given its parsed options: `runCommand` runs it as a script, tests in-process. */
export const main: CommandMain<typeof OPTIONS> = async (values) => {
  const { queues, invocations } = parseRedriveQueues(values.queue, values.all, values.stranded);
  const max = values.max === undefined ? undefined : integerOption('max', values.max, { min: 1 });
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
  const replays = await redriveFailedInvocations(target, {
    queues: invocations,
    dryRun: values['dry-run'],
    max,
  });
  for (const r of replays) {
    const what =
      r.method === 'dry-run'
        ? `would re-invoke ${r.toMove} of ${r.waiting}`
        : `re-invoked ${r.moved} of ${r.waiting}`;
    console.log(`${r.queue} -> ${r.functionName} (asynchronous invoke): ${what}`);
    for (const f of r.failed) {
      const outcome =
        f.stage === 'delete'
          ? 're-invoked but not deleted from the queue, so a later redrive replays it again (the same request ids)'
          : 'not re-invoked, still in the queue';
      console.log(`  ${f.messageId}: ${outcome}: ${f.reason}`);
    }
  }
  const strandedFailed = values.stranded ? await redriveStranded(target, values['dry-run']) : 0;
  return [...results, ...replays].some((r) => r.failed.length > 0) || strandedFailed > 0 ? 1 : 0;
};

/** `--stranded`: re-sends (or, dry, lists) the stranded requests; resolves with the failures. */
async function redriveStranded(target: Target, dryRun: boolean): Promise<number> {
  const report = await findStranded(target);
  console.log(
    `stranded requests (REQUESTED for more than ${report.olderThanSeconds} s): ${report.total}, from ${report.invocations.length} invocations`,
  );
  if (dryRun) {
    for (const s of report.invocations) {
      console.log(
        `  key ${s.idempotencyKey ?? '(not recorded)'}: ${s.stranded} requests; would invoke the requestor with ${JSON.stringify(s.payload ?? null)}`,
      );
    }
    return 0;
  }
  let failed = 0;
  for (const { invocation: s, requestIds, error } of await retryStranded(
    target,
    report.invocations,
  )) {
    const key = `key ${s.idempotencyKey ?? '(not recorded)'}`;
    if (error) {
      failed += 1;
      console.log(`  ${key}: ${s.stranded} requests not re-sent: ${error}`);
    } else {
      console.log(
        `  ${key}: re-sent ${s.stranded} requests (the requestor, invoked with ${JSON.stringify(s.payload)}, answered with the same ${requestIds?.length ?? 0} request ids)`,
      );
    }
  }
  return failed;
}

if (isMain(import.meta.url)) runCommand(REDRIVE, main);

/**
 * `--queue name` or `--all` to the pipeline queues whose DLQs to redrive and the failed-invocation
 * queues to replay, or a usage error naming the bad value.
 */
export function parseRedriveQueues(
  queue: string | undefined,
  all: boolean,
  stranded = false,
): { queues: QueueKey[]; invocations: FailedInvocationLabel[] } {
  if (all && queue) throw new UsageError('give either --queue or --all, not both');
  if (all)
    return { queues: [...QUEUES], invocations: FAILED_INVOCATION_QUEUES.map((q) => q.label) };
  if (!queue && stranded) return { queues: [], invocations: [] };
  if (!queue)
    throw new UsageError(
      `say which queue to redrive: --queue ${ALL_NAMES}, or --all, or --stranded`,
    );
  const invocation = FAILED_INVOCATION_QUEUES.find((q) => q.label === queue.toLowerCase());
  if (invocation) return { queues: [], invocations: [invocation.label] };
  try {
    return { queues: parseQueues(queue, all), invocations: [] };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(
      `unknown queue ${JSON.stringify(queue)}: use ${ALL_NAMES.replaceAll('|', ', ')}`,
    );
  }
}

/** `--queue name` or `--all` to the queue keys, or a usage error naming the bad value. */
export function parseQueues(queue: string | undefined, all: boolean): QueueKey[] {
  if (all && queue) throw new UsageError('give either --queue or --all, not both');
  if (all) return [...QUEUES];
  if (!queue) throw new UsageError(`say which DLQ to redrive: --queue ${QUEUE_NAMES}, or --all`);
  const key = QUEUES.find((q) => q.toLowerCase() === queue.toLowerCase());
  if (!key)
    throw new UsageError(
      `unknown queue ${JSON.stringify(queue)}: use ${QUEUE_NAMES.replaceAll('|', ', ')}`,
    );
  return [key];
}
