// CloudFormation's ListStackResources and DescribeStackResources: the stack's resources, each
// complete.

import type { StackRequest } from './stack-info';

const RESOURCE_STATUS = { ResourceStatus: 'CREATE_COMPLETE' };

/** ListStackResources' result: every resource, in one page. */
export function listStackResources({ stack, created }: StackRequest) {
  return {
    StackResourceSummaries: stack.resources.map((r) => ({
      LogicalResourceId: r.logicalId,
      PhysicalResourceId: r.physicalId,
      ResourceType: r.type,
      LastUpdatedTimestamp: created,
      ...RESOURCE_STATUS,
    })),
  };
}

/** DescribeStackResources' result: the resources `LogicalResourceId` and `PhysicalResourceId` pick. */
export function describeStackResources({ stack, params, created }: StackRequest) {
  const logicalId = params.get('LogicalResourceId');
  const physicalId = params.get('PhysicalResourceId');
  return {
    StackResources: stack.resources
      .filter(
        (r) =>
          (!logicalId || r.logicalId === logicalId) && (!physicalId || r.physicalId === physicalId),
      )
      .map((r) => ({
        StackName: stack.stackName,
        StackId: stack.stackId,
        LogicalResourceId: r.logicalId,
        PhysicalResourceId: r.physicalId,
        ResourceType: r.type,
        Timestamp: created,
        ...RESOURCE_STATUS,
      })),
  };
}
