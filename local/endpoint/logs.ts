import { type Call, denial, type ServiceHandler } from './call';
import { sendJson, sendJsonError } from './protocol';

/** One log event as CloudWatch Logs keeps it. */
interface LogEvent {
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
  readonly eventId: string;
}

/** Events kept per log group; the oldest go first, as retention would drop them. */
const MAX_EVENTS_PER_GROUP = 20_000;
const STREAM = 'local/[$LATEST]local';

/**
 * Function log lines, by log group (`/aws/lambda/NAME`), for the CloudWatch Logs API. Each group
 * has one stream; the engine's log sink feeds it.
 */
export class LogStore {
  private readonly groups = new Map<
    string,
    { created: number; events: LogEvent[]; next: number }
  >();

  /** Creates the group, empty, so DescribeLogGroups lists it before its first line. */
  createGroup(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, { created: Date.now(), events: [], next: 0 });
  }

  /** Adds a line; its time is its JSON `timestamp` field when it has one, else now. */
  append(group: string, message: string): void {
    this.createGroup(group);
    const entry = this.groups.get(group);
    if (!entry) return;
    const now = Date.now();
    const stamp = /"timestamp"\s*:\s*"([^"]+)"/.exec(message)?.[1];
    const parsed = stamp ? Date.parse(stamp) : Number.NaN;
    entry.events.push({
      timestamp: Number.isNaN(parsed) ? now : parsed,
      ingestionTime: now,
      message,
      eventId: String(entry.next++).padStart(20, '0'),
    });
    if (entry.events.length > MAX_EVENTS_PER_GROUP)
      entry.events.splice(0, entry.events.length / 10);
  }

  groupNames(): string[] {
    return [...this.groups.keys()].sort();
  }

  group(name: string) {
    return this.groups.get(name);
  }
}

const JSON_1_1 = 'application/x-amz-json-1.1';

/**
 * CloudWatch Logs on the endpoint: DescribeLogGroups, DescribeLogStreams, FilterLogEvents (plain
 * term patterns) and GetLogEvents, enough for `aws logs tail --follow` and SDK scripts.
 */
export function logsService(store: LogStore, region: string, accountId: string): ServiceHandler {
  const groupArn = (name: string) => `arn:aws:logs:${region}:${accountId}:log-group:${name}`;
  return (call: Call) => {
    let params: Record<string, unknown>;
    try {
      params = JSON.parse(call.body.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return sendJsonError(call.res, 400, 'SerializationException', 'Invalid JSON');
    }
    const fail = (type: string, message: string) => sendJsonError(call.res, 400, type, message);
    const groupName = typeof params.logGroupName === 'string' ? params.logGroupName : undefined;
    const resource = groupName ? `${groupArn(groupName)}:*` : '*';
    const message = denial(call, [{ action: `logs:${call.action}`, resource }]);
    if (message) return fail('AccessDeniedException', message);
    const group = groupName ? store.group(groupName) : undefined;
    const missingGroup = () =>
      fail('ResourceNotFoundException', 'The specified log group does not exist.');

    switch (call.action) {
      case 'DescribeLogGroups': {
        const prefix = String(params.logGroupNamePrefix ?? '');
        const logGroups = store
          .groupNames()
          .filter((name) => name.startsWith(prefix))
          .map((name) => ({
            logGroupName: name,
            creationTime: store.group(name)?.created,
            metricFilterCount: 0,
            arn: `${groupArn(name)}:*`,
            logGroupArn: groupArn(name),
            storedBytes: 0,
          }));
        return sendJson(call.res, 200, { logGroups }, {}, JSON_1_1);
      }
      case 'DescribeLogStreams': {
        if (!group) return missingGroup();
        const last = group.events[group.events.length - 1];
        return sendJson(
          call.res,
          200,
          {
            logStreams: [
              {
                logStreamName: STREAM,
                creationTime: group.created,
                firstEventTimestamp: group.events[0]?.timestamp,
                lastEventTimestamp: last?.timestamp,
                lastIngestionTime: last?.ingestionTime,
                arn: `${groupArn(groupName ?? '')}:log-stream:${STREAM}`,
                storedBytes: 0,
              },
            ],
          },
          {},
          JSON_1_1,
        );
      }
      case 'FilterLogEvents': {
        if (!group) return missingGroup();
        const pattern = String(params.filterPattern ?? '').trim();
        if (pattern.startsWith('{') || pattern.startsWith('[')) {
          return fail(
            'InvalidParameterException',
            'The local cloud supports plain-term filter patterns only, not JSON or space-delimited ones',
          );
        }
        const terms = [...pattern.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
        const start = Number(params.startTime ?? 0);
        const end = Number(params.endTime ?? Number.MAX_SAFE_INTEGER);
        const limit = Math.min(Number(params.limit ?? 10_000), 10_000);
        const after = typeof params.nextToken === 'string' ? params.nextToken : '';
        const events = group.events.filter(
          (e) =>
            e.eventId > after &&
            e.timestamp >= start &&
            e.timestamp <= end &&
            terms.every((t) => e.message.includes(t)),
        );
        const page = events.slice(0, limit);
        const more = events.length > limit;
        return sendJson(
          call.res,
          200,
          {
            events: page.map((e) => ({ logStreamName: STREAM, ...e })),
            searchedLogStreams: [{ logStreamName: STREAM, searchedCompletely: !more }],
            ...(more ? { nextToken: page[page.length - 1]?.eventId } : {}),
          },
          {},
          JSON_1_1,
        );
      }
      case 'GetLogEvents': {
        if (!group) return missingGroup();
        if (params.logStreamName !== STREAM) {
          return fail('ResourceNotFoundException', 'The specified log stream does not exist.');
        }
        const start = Number(params.startTime ?? 0);
        const end = Number(params.endTime ?? Number.MAX_SAFE_INTEGER);
        const limit = Math.min(Number(params.limit ?? 10_000), 10_000);
        const token = typeof params.nextToken === 'string' ? params.nextToken : undefined;
        const fromHead = params.startFromHead === true || token?.startsWith('f/');
        const position = token ? Number(token.slice(2)) : undefined;
        const all = group.events.filter((e) => e.timestamp >= start && e.timestamp <= end);
        let from: number;
        let to: number;
        if (fromHead) {
          from = position ?? 0;
          to = Math.min(all.length, from + limit);
        } else {
          to = position ?? all.length;
          from = Math.max(0, to - limit);
        }
        return sendJson(
          call.res,
          200,
          {
            events: all.slice(from, to).map(({ timestamp, message, ingestionTime }) => ({
              timestamp,
              message,
              ingestionTime,
            })),
            nextForwardToken: `f/${to}`,
            nextBackwardToken: `b/${from}`,
          },
          {},
          JSON_1_1,
        );
      }
      default:
        return fail(
          'UnknownOperationException',
          `The local cloud does not support the CloudWatch Logs operation ${call.action}`,
        );
    }
  };
}
