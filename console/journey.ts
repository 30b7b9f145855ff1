/** A request's journey: its items in both tables, its dead letters and the log lines naming it. */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { QUEUES } from '../contract/contract';
import type { DeadLetter } from '../ops/inspect';
import { type ConsoleContext, ConsoleRequestError } from './context';
import type { Functions } from './functions';
import type { QueueId, Queues } from './queues';
import { plain, type Tables } from './tables';

/** Everything known about one request. */
export interface Journey {
  readonly requestId: string;
  readonly request?: Record<string, unknown>;
  readonly string?: Record<string, unknown>;
  readonly deadLetters: (DeadLetter & { queue: QueueId })[];
  readonly logs: { function: string; timestamp: string; message: string }[];
}

/** Follows `requestId` through the tables, the DLQs (their peeks, reused) and the function logs. */
export async function journey(
  ctx: ConsoleContext,
  parts: { tables: Tables; queues: Queues; functions: Functions },
  requestId: string,
): Promise<Journey> {
  if (!/^[0-9A-Za-z]{1,64}$/.test(requestId)) {
    throw new ConsoleRequestError(`${JSON.stringify(requestId)} is not a request id`, 400);
  }
  const key = { requestId: { S: requestId } };
  const get = (table: string) =>
    ctx
      .call(`GetItem on ${table}`, () =>
        ctx.dynamodb.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true })),
      )
      .then((r) => (r.Item ? plain(r.Item) : undefined));
  const [request, string, deadLetters, logs] = await Promise.all([
    get(parts.tables.name('requests')),
    get(parts.tables.name('strings')),
    Promise.all(
      QUEUES.map(async (q) => {
        const id = `${q.toLowerCase()}-dlq` as QueueId;
        const { messages } = await parts.queues.peek(id, 50);
        return messages.filter((m) => m.body.includes(requestId)).map((m) => ({ ...m, queue: id }));
      }),
    ).then((all) => all.flat()),
    parts.functions.linesWith(requestId),
  ]);
  return {
    requestId,
    ...(request ? { request } : {}),
    ...(string ? { string } : {}),
    deadLetters,
    logs,
  };
}
