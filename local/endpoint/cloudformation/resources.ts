/**
 * CloudFormation's views of a stack's resources and history: ListStackResources,
 * DescribeStackResource(s) and DescribeStackEvents (newest first).
 */
import type { DeployedResource, Stack } from '../../cloudformation/model';
import { CloudFormationError } from '../../cloudformation/registry';
import { type CfnRequest, iso } from './request';

function resourceShape(stack: Stack, r: DeployedResource) {
  return {
    StackName: stack.name,
    StackId: stack.id,
    LogicalResourceId: r.logicalId,
    PhysicalResourceId: r.physicalId,
    ResourceType: r.type,
    Timestamp: iso(r.updated),
    LastUpdatedTimestamp: iso(r.updated),
    ResourceStatus: r.status,
    ResourceStatusReason: r.statusReason,
  };
}

export function listStackResources({ engine, params }: CfnRequest) {
  const stack = engine.registry.get(params.get('StackName') ?? '');
  return {
    StackResourceSummaries: [...stack.resources.values()].map((r) => {
      const { StackName: _, StackId: __, Timestamp: ___, ...summary } = resourceShape(stack, r);
      return summary;
    }),
  };
}

export function describeStackResources({ engine, params }: CfnRequest) {
  const physicalId = params.get('PhysicalResourceId');
  const stacks = params.get('StackName')
    ? [engine.registry.get(params.get('StackName') ?? '')]
    : engine.registry
        .all()
        .filter((s) => [...s.resources.values()].some((r) => r.physicalId === physicalId));
  const logicalId = params.get('LogicalResourceId');
  return {
    StackResources: stacks.flatMap((stack) =>
      [...stack.resources.values()]
        .filter(
          (r) =>
            (!logicalId || r.logicalId === logicalId) &&
            (!physicalId || r.physicalId === physicalId),
        )
        .map((r) => resourceShape(stack, r)),
    ),
  };
}

export function describeStackResource({ engine, params }: CfnRequest) {
  const stack = engine.registry.get(params.get('StackName') ?? '');
  const logicalId = params.get('LogicalResourceId') ?? '';
  const resource = stack.resources.get(logicalId);
  if (!resource)
    throw new CloudFormationError(
      'ValidationError',
      `Resource ${logicalId} does not exist for stack ${stack.name}`,
    );
  return { StackResourceDetail: { ...resourceShape(stack, resource), Metadata: '{}' } };
}

export function describeStackEvents({ engine, params }: CfnRequest) {
  const stack = engine.registry.get(params.get('StackName') ?? '');
  return {
    StackEvents: [...stack.events].reverse().map((e) => ({
      StackId: stack.id,
      EventId: e.eventId,
      StackName: stack.name,
      LogicalResourceId: e.logicalId,
      PhysicalResourceId: e.physicalId,
      ResourceType: e.type,
      Timestamp: iso(e.timestamp),
      ResourceStatus: e.status,
      ResourceStatusReason: e.reason,
    })),
  };
}
