/**
 * Queue depths, in-flight counts, DLQ contents (with the reason each message was dead-lettered)
 * and table counts by status, for any target: the local cloud, LocalStack or a deployed stack.
 * The command is `commands/inspect.ts`.
 */ import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Message, SQSClient } from '@aws-sdk/client-sqs';
import {
  FailureAttribute,
  Output,
  QUEUES,
  type QueueKey,
  queueOutputs,
} from '../contract/contract';
import {
  type AlarmNotification,
  formatAlarmNotifications,
  readAlarmNotifications,
} from './alarm-notifications';
import {
  FAILED_INVOCATION_QUEUES,
  type FailedInvocation,
  type FailedInvocationLabel,
  readFailedInvocation,
} from './failed-invocations';
import {
  type FunctionRuntime,
  formatFunctionRuntimes,
  functionRuntimes,
} from './function-runtimes';
import { peekEndpoint, peekMessages } from './peek';
import { countByStatus, queueDepth } from './reconcile';
import { findStranded, type StrandedReport } from './stranded';
import { requireOutput, type Target } from './target';

/** A dead-lettered message, as inspect shows it. */
export interface DeadLetter {
  readonly messageId: string;
  readonly receiveCount: number;
  /** Set when a handler rejected the message (`InvalidJson`, `UnknownRequest`, ...). */
  readonly failureCode?: string;
  readonly failureReason?: string;
  /** The id the message had on its source queue, when a handler dead-lettered it. */
  readonly sourceMessageId?: string;
  /** When the message was sent to this queue (for a dead letter: when it was dead-lettered or, if SQS moved it, first sent). */
  readonly sentAt?: string;
  /** The body, cut to 200 characters. */
  readonly body: string;
}

/** One pipeline queue and its DLQ, as inspect shows them. */
export interface QueueReport {
  readonly queue: QueueKey;
  readonly url: string;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly dlq: {
    readonly url: string;
    readonly visible: number;
    readonly inFlight: number;
    readonly peeked: DeadLetter[];
  };
}

/** A queue of failed requestor invocations (the schedule's DLQ, the on-failure destination). */
export interface FailedInvocationQueueReport {
  readonly queue: FailedInvocationLabel;
  readonly description: string;
  readonly url: string;
  readonly visible: number;
  readonly inFlight: number;
  /** Up to `peek` of its messages, each with the reason and the payload to replay. */
  readonly peeked: FailedInvocation[];
}

/** Everything inspect reports about a target. */
export interface InspectReport {
  readonly target: string;
  /**
   * Whether looking at the messages received them, adding one to each one's receive count (AWS,
   * LocalStack); on the local cloud they are read without a receive.
   */
  readonly peeksCountAsReceives: boolean;
  readonly queues: QueueReport[];
  /** The failed-invocation queues the stack outputs name (none on a stack without them). */
  readonly failedInvocations: FailedInvocationQueueReport[];
  /** Requests an invocation recorded but never sent, with the payload that re-sends them. */
  readonly stranded: StrandedReport;
  /** Each function's runtime and the Node it really runs on. */
  readonly functions: FunctionRuntime[];
  /** The alarm notifications tried, on a local cloud; undefined where CloudWatch keeps them. */
  readonly alarmNotifications: AlarmNotification[] | undefined;
  /** Items per `status`, per table. */
  readonly tables: {
    readonly Requests: Record<string, number>;
    readonly Strings: Record<string, number>;
  };
}

/**
 * Reads every queue's depth, peeks at up to `peek` messages per DLQ (on the local cloud without
 * a receive; elsewhere with a zero visibility timeout, so nothing is hidden from a redrive, though
 * each peek adds to the receive counts), and counts table items by status.
 */
export async function inspect(
  target: Target,
  options: { peek?: number } = {},
): Promise<InspectReport> {
  const sqs = new SQSClient(target.clientConfig('sqs'));
  const dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
  const local = peekEndpoint(target);
  try {
    const queues = await Promise.all(
      QUEUES.map(async (queue): Promise<QueueReport> => {
        const keys = queueOutputs(queue);
        const url = requireOutput(target, keys.queue);
        const dlqUrl = requireOutput(target, keys.dlq);
        const [source, dlq] = await Promise.all([queueDepth(sqs, url), queueDepth(sqs, dlqUrl)]);
        // After the counts: a peeked message is in flight for an instant, and an emulator may
        // count it so until its next receive.
        const peeked = await peek(sqs, dlqUrl, options.peek ?? 5, local);
        return {
          queue,
          url,
          ...source,
          dlq: { url: dlqUrl, visible: dlq.visible, inFlight: dlq.inFlight, peeked },
        };
      }),
    );
    const failedInvocations = await Promise.all(
      FAILED_INVOCATION_QUEUES.flatMap((queue) => {
        const url = target.outputs[queue.output];
        if (!url) return [];
        return [
          (async (): Promise<FailedInvocationQueueReport> => {
            const depth = await queueDepth(sqs, url);
            const messages = await peekMessages(sqs, url, options.peek ?? 5, local);
            return {
              queue: queue.label,
              description: queue.description,
              url,
              visible: depth.visible,
              inFlight: depth.inFlight,
              peeked: messages.map(readFailedInvocation),
            };
          })(),
        ];
      }),
    );
    const [Requests, Strings, stranded, functions, alarmNotifications] = await Promise.all([
      countByStatus(dynamodb, requireOutput(target, Output.RequestsTableName)),
      countByStatus(dynamodb, requireOutput(target, Output.StringsTableName)),
      findStranded(target),
      functionRuntimes(target),
      readAlarmNotifications(target),
    ]);
    return {
      target: target.description,
      peeksCountAsReceives: local === undefined,
      queues,
      failedInvocations,
      stranded,
      functions,
      alarmNotifications,
      tables: { Requests, Strings },
    };
  } finally {
    sqs.destroy();
    dynamodb.destroy();
  }
}

/**
 * Up to `limit` distinct messages of a queue, as dead letters: peeked on the local cloud at
 * `localEndpoint` without a receive, else received with a zero visibility timeout so they stay
 * visible (each receive then counts towards the message's receive count).
 */
export async function peek(
  sqs: SQSClient,
  url: string,
  limit: number,
  localEndpoint?: string,
): Promise<DeadLetter[]> {
  return (await peekMessages(sqs, url, limit, localEndpoint)).map(deadLetter);
}

function deadLetter(message: Message): DeadLetter {
  const attributes = message.MessageAttributes ?? {};
  const failureCode = attributes[FailureAttribute.Code]?.StringValue;
  const failureReason = attributes[FailureAttribute.Reason]?.StringValue;
  const sourceMessageId = attributes[FailureAttribute.SourceMessageId]?.StringValue;
  const body = message.Body ?? '';
  return {
    messageId: message.MessageId ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    ...(failureCode ? { failureCode } : {}),
    ...(failureReason ? { failureReason } : {}),
    ...(sourceMessageId ? { sourceMessageId } : {}),
    ...(message.Attributes?.SentTimestamp
      ? { sentAt: new Date(Number(message.Attributes.SentTimestamp)).toISOString() }
      : {}),
    body: body.length > 200 ? `${body.slice(0, 200)}…` : body,
  };
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The report as a human reads it. */
export function formatReport(report: InspectReport): string {
  const lines = [
    `Target: ${report.target}`,
    '',
    'queue      visible  in flight  delayed | DLQ visible  in flight',
  ];
  for (const q of report.queues) {
    lines.push(
      `${q.queue.toLowerCase().padEnd(10)} ${String(q.visible).padStart(7)}  ${String(q.inFlight).padStart(9)}  ${String(q.delayed).padStart(7)} | ${String(q.dlq.visible).padStart(11)}  ${String(q.dlq.inFlight).padStart(9)}`,
    );
  }
  for (const q of report.queues) {
    if (q.dlq.peeked.length === 0) continue;
    lines.push('', `${q.queue.toLowerCase()} DLQ:`);
    for (const m of q.dlq.peeked) {
      const reason = m.failureCode
        ? `${m.failureCode}: ${m.failureReason ?? ''}`
        : `failed ${m.receiveCount} receives`;
      lines.push(`  ${m.messageId}  ${reason}`, `    ${m.body}`);
    }
  }
  if (report.failedInvocations.length > 0) {
    lines.push('', 'failed invocations   visible  in flight');
    for (const q of report.failedInvocations) {
      lines.push(
        `${q.queue.padEnd(20)} ${String(q.visible).padStart(7)}  ${String(q.inFlight).padStart(9)}  (${q.description})`,
      );
    }
  }
  for (const q of report.failedInvocations) {
    if (q.peeked.length === 0) continue;
    lines.push('', `${q.queue}:`);
    for (const f of q.peeked) {
      const when = f.scheduledTime ? ` tick ${f.scheduledTime}` : '';
      lines.push(
        `  ${f.messageId}  ${f.reason}`,
        `    ${f.source}${when}${f.requestId ? ` request ${f.requestId}` : ''}, payload ${f.payloadProblem ? `not replayable: ${f.payloadProblem}` : truncate(JSON.stringify(f.payload ?? null))}`,
      );
    }
  }
  const peeked = [
    ...report.queues.map((q) => q.dlq.peeked),
    ...report.failedInvocations.map((q) => q.peeked),
  ];
  if (report.peeksCountAsReceives && peeked.some((messages) => messages.length > 0)) {
    lines.push(
      '',
      'Looking at these messages received them: each look adds one to their receive counts (SQS has no other way to look).',
    );
  }
  lines.push('', ...formatStranded(report.stranded));
  const statuses = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ') || 'empty';
  lines.push(
    ...formatFunctionRuntimes(report.functions),
    '',
    ...formatAlarmNotifications(report.alarmNotifications),
    '',
    `Requests table: ${statuses(report.tables.Requests)}`,
    `Strings table:  ${statuses(report.tables.Strings)}`,
  );
  return lines.join('\n');
}

/** The stranded requests as a human reads them: per invocation, the payload that re-sends them. */
export function formatStranded(report: StrandedReport): string[] {
  const head = `Stranded requests (REQUESTED for more than ${report.olderThanSeconds} s)`;
  if (report.total === 0) return [`${head}: none`];
  const lines = [
    `${head}: ${report.total}, from ${report.invocations.length} invocation${report.invocations.length === 1 ? '' : 's'}; \`npm run redrive -- --stranded\` re-sends them`,
  ];
  for (const s of report.invocations) {
    const of = s.count === undefined ? '' : ` of ${s.count}`;
    lines.push(
      `  key ${s.idempotencyKey ?? '(not recorded)'}: ${s.stranded}${of} requests since ${s.requestedAt} (${s.requestIds.join(', ')}${s.stranded > s.requestIds.length ? ', ...' : ''})`,
      s.payload
        ? `    re-send: invoke the requestor with ${JSON.stringify(s.payload)}`
        : '    cannot be re-sent under its ids: recorded without an idempotency key',
    );
  }
  return lines;
}
