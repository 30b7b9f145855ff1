/**
 * Function logs through the CloudWatch Logs API (FilterLogEvents), so the same code reads the local
 * cloud's log store, LocalStack's and AWS's.
 */
import {
  type CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';

/** One log event and the function it came from. */
export interface FunctionLogEvent {
  /** Label of the function (`requestor`), for display. */
  readonly function: string;
  readonly timestamp: number;
  readonly message: string;
  readonly eventId: string;
}

/** Which events to read. */
export interface LogQuery {
  /** Functions by label and physical name, with the log group each writes to. */
  readonly functions: readonly {
    readonly label: string;
    readonly name: string;
    readonly logGroup: string;
  }[];
  /** Only events holding this text (a request id, a message id), as a quoted filter term. */
  readonly contains?: string;
  /** Only events at or after this time (ms since the epoch). @default all */
  readonly startTime?: number;
}

/**
 * Every event matching `query`, oldest first. A function whose log group does not exist yet (no
 * invocation so far, on AWS) has no events.
 */
export async function readLogs(
  client: CloudWatchLogsClient,
  query: LogQuery,
): Promise<FunctionLogEvent[]> {
  const all = await Promise.all(
    query.functions.map(async (fn) => {
      const events: FunctionLogEvent[] = [];
      let nextToken: string | undefined;
      do {
        let page: { events?: FilteredLogEvent[]; nextToken?: string };
        try {
          page = await client.send(
            new FilterLogEventsCommand({
              logGroupName: fn.logGroup,
              // Quoted, so a request id's hyphens are part of the term, not an exclusion.
              filterPattern: query.contains ? JSON.stringify(query.contains) : undefined,
              startTime: query.startTime,
              nextToken,
            }),
          );
        } catch (error) {
          if (error instanceof Error && error.name === 'ResourceNotFoundException') break;
          throw error;
        }
        for (const e of page.events ?? []) {
          events.push({
            function: fn.label,
            timestamp: e.timestamp ?? 0,
            message: (e.message ?? '').replace(/\n$/, ''),
            eventId: e.eventId ?? '',
          });
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return events;
    }),
  );
  // Stable: within one function, the store's order (which keeps START before the lines it heads).
  return all.flat().sort((a, b) => a.timestamp - b.timestamp);
}

/**
 * Prints (through `onEvent`) every event matching `query` and then each new one, polling once a
 * second, until `signal` aborts. Events are told apart by id, so none is shown twice.
 */
export async function followLogs(
  client: CloudWatchLogsClient,
  query: LogQuery,
  onEvent: (event: FunctionLogEvent) => void,
  signal: AbortSignal,
  pollMs = 1000,
): Promise<void> {
  const seen = new Set<string>();
  let startTime = query.startTime;
  while (!signal.aborted) {
    const events = await readLogs(client, { ...query, startTime });
    for (const event of events) {
      const key = `${event.function}/${event.eventId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      onEvent(event);
      // Events of the last second may still arrive out of order; re-read from a little before.
      startTime = Math.max(startTime ?? 0, event.timestamp - 5000);
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        clearTimeout(timer);
        resolve();
      };
      // One listener per wait, removed when the wait ends: a long follow adds none.
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', stop);
        resolve();
      }, pollMs);
      signal.addEventListener('abort', stop, { once: true });
    });
  }
}
