// A CloudWatch Logs call as its actions see it, and the answers they share.

import type { LogGroup, LogStore } from '../../logs/store';
import type { Call } from '../call';
import { sendJson, sendJsonError } from '../protocol';

/** The one stream each group has: Lambda names a function's streams this way. */
export const STREAM = 'local/[$LATEST]local';

const JSON_1_1 = 'application/x-amz-json-1.1';

/** What each Logs action gets. */
export interface LogsRequest {
  readonly call: Call;
  readonly store: LogStore;
  /** The request's JSON body. */
  readonly params: Record<string, unknown>;
  /** A log group's ARN, in the service's region and account. */
  readonly groupArn: (name: string) => string;
}

/** The group `logGroupName` names; undefined once it has answered that the group does not exist. */
export function namedGroup({
  call,
  store,
  params,
}: LogsRequest): { name: string; group: LogGroup } | undefined {
  const name = typeof params.logGroupName === 'string' ? params.logGroupName : undefined;
  const group = name ? store.group(name) : undefined;
  if (name && group) return { name, group };
  sendLogsError(call, 'ResourceNotFoundException', 'The specified log group does not exist.');
  return undefined;
}

/** Answers 200 with a JSON body. */
export function sendLogs(call: Call, body: unknown): void {
  sendJson(call.res, 200, body, {}, JSON_1_1);
}

/** Answers 400 with a Logs error. */
export function sendLogsError(call: Call, type: string, message: string): void {
  sendJsonError(call.res, 400, type, message);
}
