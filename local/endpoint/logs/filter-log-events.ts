// CloudWatch Logs' FilterLogEvents: a group's events matching a filter pattern, a page at a time.

import { compileFilterPattern, FilterPatternError, type LogFilter } from '../../logs/filter';
import type { LogEvent } from '../../logs/ring';
import { type LogsRequest, namedGroup, STREAM, sendLogs, sendLogsError } from './request';

/** FilterLogEvents: text and JSON filter patterns (see `local/logs/filter.ts`), by time. */
export function filterLogEvents(request: LogsRequest) {
  const { call, store, params } = request;
  const named = namedGroup(request);
  if (!named) return;
  let matches: LogFilter;
  try {
    matches = compileFilterPattern(String(params.filterPattern ?? ''));
  } catch (error) {
    if (!(error instanceof FilterPatternError)) throw error;
    return sendLogsError(call, 'InvalidParameterException', error.message);
  }
  const start = Number(params.startTime ?? 0);
  const end = Number(params.endTime ?? Number.MAX_SAFE_INTEGER);
  const limit = Math.min(Number(params.limit ?? 10_000), 10_000);
  const after = typeof params.nextToken === 'string' ? params.nextToken : '';
  // Stops at the first match past the page instead of filtering the whole group.
  const page: LogEvent[] = [];
  let more = false;
  for (const e of store.eventsAfter(named.name, after)) {
    if (e.timestamp < start || e.timestamp > end || !matches(e.message)) continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(e);
  }
  sendLogs(call, {
    events: page.map((e) => ({ logStreamName: STREAM, ...e })),
    searchedLogStreams: [{ logStreamName: STREAM, searchedCompletely: !more }],
    ...(more ? { nextToken: page[page.length - 1]?.eventId } : {}),
  });
}
