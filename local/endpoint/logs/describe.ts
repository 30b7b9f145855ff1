// CloudWatch Logs' DescribeLogGroups and DescribeLogStreams.

import { type LogsRequest, namedGroup, STREAM, sendLogs } from './request';

/** DescribeLogGroups: every group whose name starts with `logGroupNamePrefix`, in one page. */
export function describeLogGroups({ call, store, params, groupArn }: LogsRequest): void {
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
  sendLogs(call, { logGroups });
}

/** DescribeLogStreams: the group's one stream, with its first and last events' times. */
export function describeLogStreams(request: LogsRequest): void {
  const named = namedGroup(request);
  if (!named) return;
  const { name, group } = named;
  const last = group.events.at(group.events.size - 1);
  const first = request.store.eventsAfter(name).next().value;
  sendLogs(request.call, {
    logStreams: [
      {
        logStreamName: STREAM,
        creationTime: group.created,
        firstEventTimestamp: first?.timestamp,
        lastEventTimestamp: last?.timestamp,
        lastIngestionTime: last?.ingestionTime,
        arn: `${request.groupArn(name)}:log-stream:${STREAM}`,
        storedBytes: 0,
      },
    ],
  });
}
