/**
 * What `npm start` shows: live progress while the round trips run, the reconciliation summary at
 * the end, and how to reach a cloud kept running.
 */
import { relative, resolve } from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { Output, QUEUES, queueOutputs, Status } from '../contract/contract';
import type { LocalCloud } from '../local/cloud';
import { describeFaults } from '../local/session/fault-summary';
import type { StageCounts } from '../local/session/function-log';
import { logGroupOf } from '../ops/functions';
import {
  FAILED_INVOCATION_OUTPUTS,
  output,
  queueDepth,
  type Reconciliation,
} from '../ops/reconcile';
import { DEFAULT_STATE_FILE } from '../ops/target';

/** What the progress line reads, besides the queues. */
export interface ProgressSources {
  readonly counts: StageCounts;
  readonly total: number;
  /** Faults the endpoint injected so far, by `service.Action.kind`. */
  readonly faults: () => Record<string, number>;
}

/**
 * Prints per-stage counts, queue depths and faults injected twice a second (one updating line on
 * a terminal); `say` prints a line of its own without breaking the updating one.
 */
export function startProgress(
  sqs: SQSClient,
  outputs: Record<string, string>,
  sources: ProgressSources,
): { say(text: string): void; stop(): Promise<void> } {
  const tty = process.stdout.isTTY;
  const { counts, total } = sources;
  let last = '';
  const render = async () => {
    const depths = await Promise.all(
      QUEUES.map(async (q) => {
        const { visible, inFlight } = await queueDepth(sqs, output(outputs, queueOutputs(q).queue));
        return `${q.toLowerCase()} ${visible}+${inFlight}`;
      }),
    );
    const faults = describeFaults(sources.faults());
    const line =
      `requested ${counts.Requested}/${total}  generated ${counts.Generated}  stored ${counts.Stored}  ` +
      `acknowledged ${counts.Acknowledged}  duplicates ${counts.Duplicate}  rejected ${counts.Rejected}  ` +
      `| queues (visible+in flight): ${depths.join(', ')}${faults ? ` | faults injected: ${faults}` : ''}`;
    if (line === last) return;
    last = line;
    if (tty) process.stdout.write(`\r\x1b[K${line}`);
    else console.log(line);
  };
  // A failed read (the endpoint's own faults, say) skips one update; the next one tries again.
  const renderQuietly = () => render().catch(() => {});
  let rendering = renderQuietly();
  const timer = setInterval(() => {
    rendering = rendering.then(renderQuietly);
  }, 500);
  return {
    say(text) {
      if (tty) process.stdout.write(`\r\x1b[K${text}\n${last}`);
      else console.log(text);
    },
    async stop() {
      clearInterval(timer);
      await rendering.then(renderQuietly);
      if (tty) process.stdout.write('\n');
    },
  };
}

/** Prints the reconciliation of both services' records as a table, and what is missing. */
export function printSummary(
  r: Reconciliation,
  total: number,
  counts: StageCounts,
  { faults = {}, keptData = false }: { faults?: Record<string, number>; keptData?: boolean } = {},
): void {
  const rows: [string, number | string][] = [
    ['requested (Requests table)', r.requested],
    ['generated (Strings table)', r.generated],
    [`stored (Requests: ${Status.Stored})`, r.stored],
    [`acknowledged (Strings: ${Status.Acknowledged})`, r.acknowledged],
    ['complete round trips', `${r.complete}/${total}`],
    ['duplicate deliveries absorbed', counts.Duplicate],
    ['in DLQs (request/response/ack)', QUEUES.map((q) => r.deadLetters[q]).join('/')],
    [
      'failed invocations (schedule/requestor)',
      FAILED_INVOCATION_OUTPUTS.map((key) => r.failedInvocations[key] ?? 0).join('/'),
    ],
    ['left in queues', QUEUES.map((q) => r.queues[q].visible + r.queues[q].inFlight).join('/')],
    ...(Object.keys(faults).length > 0
      ? [['faults injected', describeFaults(faults)] as [string, string]]
      : []),
  ];
  console.log('\nReconciliation');
  for (const [label, value] of rows) console.log(`  ${label.padEnd(38)} ${value}`);
  if (r.mismatched.length > 0)
    console.log(`  values differ for: ${r.mismatched.slice(0, 10).join(', ')}`);
  for (const { requestId, stage } of r.incomplete.slice(0, 10))
    console.log(`  missing ${requestId}: ${stage}`);
  if (r.incomplete.length > 10)
    console.log(`  ... and ${r.incomplete.length - 10} more incomplete`);
  if (r.unexpected.length === 0) return;
  // With --data the tables hold earlier runs' records too: expected, so only counted.
  if (keptData) {
    console.log(`  records of earlier runs (kept with --data): ${r.unexpected.length}`);
  } else {
    console.log(`  unexpected records: ${r.unexpected.slice(0, 10).join(', ')}`);
  }
}

/**
 * How to reach the cloud `--keep` leaves running: the AWS CLI, inspect and redrive. Every `aws`
 * line works on AWS CLI v1 as on v2: v1 reads `AWS_DEFAULT_REGION`, not `AWS_REGION`, and ignores
 * `AWS_ENDPOINT_URL` for SQS (so `--endpoint-url` on each line), has no `--cli-binary-format` (so
 * the payload from a file, `fileb://`, which both read as bytes), and no `aws logs tail`.
 */
export function endpointsText(
  cloud: Pick<LocalCloud, 'endpoint' | 'region' | 'outputs' | 'stackName'>,
  stateFile: string,
): string {
  // inspect and redrive find the default state file themselves; another one must be named.
  const state =
    stateFile === resolve(DEFAULT_STATE_FILE) ? '' : ` --state ${relative('.', stateFile)}`;
  const aws = `aws --endpoint-url ${cloud.endpoint}`;
  const o = cloud.outputs;
  const logGroup = logGroupOf(o, o[Output.GeneratorFunctionName] ?? '');
  return `
The local cloud stays up until Ctrl-C. Point the AWS CLI (v1 or v2) or an SDK at it (any credentials, region ${cloud.region}):
  export AWS_ENDPOINT_URL=${cloud.endpoint} AWS_REGION=${cloud.region} AWS_DEFAULT_REGION=${cloud.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  ${aws} sqs get-queue-attributes --queue-url ${o[Output.RequestQueueUrl]} --attribute-names All
  ${aws} dynamodb scan --table-name ${o[Output.RequestsTableName]}
  echo '{"count":5}' > payload.json
  ${aws} lambda invoke --function-name ${o[Output.RequestorFunctionName]} --payload fileb://payload.json out.json
  ${aws} cloudformation describe-stacks --stack-name ${cloud.stackName}
  ${aws} logs filter-log-events --log-group-name ${logGroup}
  aws logs tail ${logGroup} --follow    # AWS CLI v2 only
  npm run inspect${state ? ` --${state}` : ''}        # queue depths, DLQ contents and table counts
  npm run redrive -- --all${state}`;
}
