import type { LocalCloud } from '../local/cloud';
import type { Target } from '../ops/target';

/**
 * A running local cloud as a {@link Target}: every service at its one endpoint, as an
 * administrator, so the console reads it exactly as it reads LocalStack or AWS.
 */
export function localCloudTarget(cloud: LocalCloud): Target {
  const { region, endpoint, credentials } = cloud.clientConfig('sqs');
  return {
    kind: 'local',
    region,
    stackName: cloud.stackName,
    outputs: cloud.outputs,
    description: `local cloud at ${cloud.endpoint}`,
    clientConfig: () => ({ region, endpoint, credentials }),
  };
}
