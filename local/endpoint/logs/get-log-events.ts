// CloudWatch Logs' GetLogEvents: a stream's events a page at a time, forward or back.

import { eventIdOf, type LogEvent, sequenceOf } from '../../logs/ring';
import { type LogsRequest, namedGroup, STREAM, sendLogs, sendLogsError } from './request';

/**
 * GetLogEvents, by time, from the head (`startFromHead`) or the tail. Tokens name an event's
 * number: `f/N` reads on after it, `b/N` back before it. They stay valid as the group drops its
 * oldest events; the end returns the token it was given.
 */
export function getLogEvents(request: LogsRequest) {
  const { call, store, params } = request;
  const named = namedGroup(request);
  if (!named) return;
  if (params.logStreamName !== STREAM) {
    return sendLogsError(
      call,
      'ResourceNotFoundException',
      'The specified log stream does not exist.',
    );
  }
  const start = Number(params.startTime ?? 0);
  const end = Number(params.endTime ?? Number.MAX_SAFE_INTEGER);
  const limit = Number(params.limit ?? 10_000);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    return sendLogsError(
      call,
      'InvalidParameterException',
      'limit must be an integer from 1 to 10000.',
    );
  }
  const token = typeof params.nextToken === 'string' ? params.nextToken : undefined;
  const parsed = token === undefined ? undefined : /^([fb])\/(-?\d{1,20})$/.exec(token);
  if (token !== undefined && !parsed) {
    return sendLogsError(call, 'InvalidParameterException', 'The specified nextToken is invalid.');
  }
  const forward = parsed ? parsed[1] === 'f' : params.startFromHead === true;
  const at = parsed ? Number(parsed[2]) : forward ? -1 : named.group.events.next;
  const page: LogEvent[] = [];
  const events = forward
    ? store.eventsAfter(named.name, at < 0 ? '' : eventIdOf(at))
    : store.eventsBefore(named.name, at);
  for (const e of events) {
    if (page.length >= limit) break;
    if (e.timestamp >= start && e.timestamp <= end) page.push(e);
  }
  if (!forward) page.reverse();
  const oldest = page[0];
  const newest = page.at(-1);
  sendLogs(call, {
    events: page.map(({ timestamp, message, ingestionTime }) => ({
      timestamp,
      message,
      ingestionTime,
    })),
    nextForwardToken: `f/${newest ? sequenceOf(newest.eventId) : forward ? at : at - 1}`,
    nextBackwardToken: `b/${oldest ? sequenceOf(oldest.eventId) : forward ? at + 1 : at}`,
  });
}
