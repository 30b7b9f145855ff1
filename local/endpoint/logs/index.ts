// CloudWatch Logs on the endpoint: the router that reads a call, authorizes it and hands it to its
// action. The events themselves live in the log store (`local/logs/store.ts`).

import type { LogStore } from '../../logs/store';
import { type Call, denial, type ServiceHandler } from '../call';
import { sendJsonError } from '../protocol';
import { describeLogGroups, describeLogStreams } from './describe';
import { filterLogEvents } from './filter-log-events';
import { getLogEvents } from './get-log-events';
import { type LogsRequest, sendLogsError } from './request';

type LogsAction = (request: LogsRequest) => void;

const ACTIONS = new Map<string, LogsAction>([
  ['DescribeLogGroups', describeLogGroups],
  ['DescribeLogStreams', describeLogStreams],
  ['FilterLogEvents', filterLogEvents],
  ['GetLogEvents', getLogEvents],
]);

/**
 * CloudWatch Logs on the endpoint: DescribeLogGroups, DescribeLogStreams, FilterLogEvents (text and
 * JSON filter patterns, see `local/logs/filter.ts`) and GetLogEvents, enough for
 * `aws logs tail --follow` and SDK scripts.
 */
export function logsService(store: LogStore, region: string, accountId: string): ServiceHandler {
  const groupArn = (name: string) => `arn:aws:logs:${region}:${accountId}:log-group:${name}`;
  return (call: Call) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(call.body.toString('utf8') || '{}');
    } catch {
      return sendJsonError(call.res, 400, 'SerializationException', 'Invalid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return sendJsonError(call.res, 400, 'SerializationException', 'Expected a JSON object');
    }
    const params = parsed as Record<string, unknown>;
    const groupName = typeof params.logGroupName === 'string' ? params.logGroupName : undefined;
    const resource = groupName ? `${groupArn(groupName)}:*` : '*';
    const message = denial(call, [{ action: `logs:${call.action}`, resource }]);
    if (message) return sendLogsError(call, 'AccessDeniedException', message);
    const action = ACTIONS.get(call.action);
    if (action) return action({ call, store, params, groupArn });
    sendLogsError(
      call,
      'UnknownOperationException',
      `The local cloud does not support the CloudWatch Logs operation ${call.action}`,
    );
  };
}
