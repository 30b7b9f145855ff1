import type { LocalCloud } from '../local/cloud';
import { runningCloudTarget } from '../ops/target';
import type { ConsoleTarget } from './context';

/**
 * A running local cloud as a target: every service at its one endpoint, as an administrator, so
 * the console reads it exactly as it reads LocalStack or AWS; and, because the console runs in
 * the cloud's process, the age of each queue's oldest message, which SQS keeps to CloudWatch.
 */
export function localCloudTarget(cloud: LocalCloud): ConsoleTarget {
  return {
    ...runningCloudTarget(cloud),
    oldestMessageAgeMs: (url) => cloud.oldestMessageAgeMs(url),
  };
}
