/**
 * Queue depths, in-flight counts, DLQ contents (with the reason each message was dead-lettered)
 * and table counts by status, for any target: the local cloud, LocalStack or a deployed stack.
 * The command is `commands/inspect.ts`.
 */ import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  FailureAttribute,
  Output,
  QUEUES,
  type QueueKey,
  queueOutputs,
} from '../functions/shared/contract';
import { queueDepth, scanAll } from './reconcile';
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

/** Everything inspect reports about a target. */
export interface InspectReport {
  readonly target: string;
  readonly queues: QueueReport[];
  /** Items per `status`, per table. */
  readonly tables: {
    readonly Requests: Record<string, number>;
    readonly Strings: Record<string, number>;
  };
}

/**
 * Reads every queue's depth, peeks at up to `peek` messages per DLQ (with a zero visibility
 * timeout, so nothing is hidden from a redrive), and counts table items by status.
 */
export async function inspect(
  target: Target,
  options: { peek?: number } = {},
): Promise<InspectReport> {
  const sqs = new SQSClient(target.clientConfig('sqs'));
  const dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
  try {
    const queues = await Promise.all(
      QUEUES.map(async (queue): Promise<QueueReport> => {
        const keys = queueOutputs(queue);
        const url = requireOutput(target, keys.queue);
        const dlqUrl = requireOutput(target, keys.dlq);
        const [source, dlq] = await Promise.all([queueDepth(sqs, url), queueDepth(sqs, dlqUrl)]);
        // After the counts: a peeked message is in flight for an instant, and an emulator may
        // count it so until its next receive.
        const peeked = await peek(sqs, dlqUrl, options.peek ?? 5);
        return {
          queue,
          url,
          ...source,
          dlq: { url: dlqUrl, visible: dlq.visible, inFlight: dlq.inFlight, peeked },
        };
      }),
    );
    const [Requests, Strings] = await Promise.all([
      countByStatus(dynamodb, requireOutput(target, Output.RequestsTableName)),
      countByStatus(dynamodb, requireOutput(target, Output.StringsTableName)),
    ]);
    return { target: target.description, queues, tables: { Requests, Strings } };
  } finally {
    sqs.destroy();
    dynamodb.destroy();
  }
}

/**
 * Up to `limit` distinct messages of a queue, received with a zero visibility timeout so they stay
 * visible (each receive still counts towards the message's receive count).
 */
export async function peek(sqs: SQSClient, url: string, limit: number): Promise<DeadLetter[]> {
  const seen = new Map<string, DeadLetter>();
  // SQS samples servers, so a few receives may be needed to see `limit` distinct messages.
  for (let attempt = 0; attempt < Math.ceil(limit / 10) + 2 && seen.size < limit; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, limit),
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) {
      if (seen.size < limit && message.MessageId) seen.set(message.MessageId, deadLetter(message));
    }
  }
  return [...seen.values()];
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

async function countByStatus(
  dynamodb: DynamoDBClient,
  table: string,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { status = '(none)' } of (await scanAll(dynamodb, table)).values()) {
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
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
  const statuses = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ') || 'empty';
  lines.push(
    '',
    `Requests table: ${statuses(report.tables.Requests)}`,
    `Strings table:  ${statuses(report.tables.Strings)}`,
  );
  return lines.join('\n');
}
