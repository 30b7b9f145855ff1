/** CloudFormation's stack descriptions: DescribeStacks, ListStacks and ListExports. */
import type { Stack } from '../../cloudformation/model';
import { type CfnRequest, iso, members } from './request';

/** A stack as DescribeStacks describes it. */
export function stackShape(stack: Stack) {
  return {
    StackId: stack.id,
    StackName: stack.name,
    Description: stack.template.Description,
    Parameters: Object.entries(stack.parameters).map(([ParameterKey, ParameterValue]) => ({
      ParameterKey,
      ParameterValue,
    })),
    CreationTime: iso(stack.created),
    LastUpdatedTime: iso(stack.updated),
    DeletionTime: iso(stack.deleted),
    StackStatus: stack.status,
    StackStatusReason: stack.statusReason,
    DisableRollback: false,
    Outputs: stack.outputs.map((o) => ({
      OutputKey: o.key,
      OutputValue: o.value,
      Description: o.description,
      ExportName: o.exportName,
    })),
    Capabilities: [],
    Tags: [],
    EnableTerminationProtection: stack.terminationProtection,
  };
}

export function describeStacks({ engine, params }: CfnRequest) {
  const name = params.get('StackName');
  const stacks = name
    ? [engine.registry.get(name)]
    : engine.registry.all().filter((s) => !s.deleted);
  return { Stacks: stacks.map(stackShape) };
}

export function listStacks({ engine, params }: CfnRequest) {
  const filter = members(params, 'StackStatusFilter');
  return {
    StackSummaries: engine.registry
      .all()
      .filter((s) => filter.length === 0 || filter.includes(s.status))
      .map((s) => ({
        StackId: s.id,
        StackName: s.name,
        TemplateDescription: s.template.Description,
        CreationTime: iso(s.created),
        LastUpdatedTime: iso(s.updated),
        DeletionTime: iso(s.deleted),
        StackStatus: s.status,
        StackStatusReason: s.statusReason,
      })),
  };
}

export function listExports({ engine }: CfnRequest) {
  return {
    Exports: [...engine.registry.exports()].map(([Name, e]) => ({
      ExportingStackId: e.stackId,
      Name,
      Value: e.value,
    })),
  };
}
