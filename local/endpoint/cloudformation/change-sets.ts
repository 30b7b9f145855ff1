/**
 * CloudFormation's change set actions: CreateChangeSet, DescribeChangeSet (every change in one
 * page, with their details), ExecuteChangeSet, DeleteChangeSet and ListChangeSets.
 */
import type { ChangeSet, ResourceChange, Stack } from '../../cloudformation/model';
import { CloudFormationError } from '../../cloudformation/registry';
import { type CfnRequest, deployRequest, iso } from './request';

export function createChangeSet({ engine, params }: CfnRequest) {
  const type = params.get('ChangeSetType') ?? 'UPDATE';
  if (type !== 'CREATE' && type !== 'UPDATE')
    throw new CloudFormationError(
      'ValidationError',
      `ChangeSetType ${type} is not supported by the local cloud`,
    );
  const { changeSet, stack } = engine.createChangeSet({
    ...deployRequest(params),
    changeSetName: params.get('ChangeSetName') ?? '',
    type,
    description: params.get('Description'),
  });
  return { Id: changeSet.id, StackId: stack.id };
}

function changeShape(change: ResourceChange) {
  return {
    Type: 'Resource',
    ResourceChange: {
      Action: change.action,
      LogicalResourceId: change.logicalId,
      PhysicalResourceId: change.physicalId,
      ResourceType: change.type,
      Replacement: change.replacement,
      Scope: change.scope,
      Details: change.properties.map((name) => ({
        Target: {
          Attribute: 'Properties',
          Name: name,
          RequiresRecreation: change.replacement === 'True' ? 'Always' : 'Never',
        },
        Evaluation: 'Static',
        ChangeSource: 'DirectModification',
      })),
    },
  };
}

function summary(stack: Stack, changeSet: ChangeSet) {
  return {
    StackId: stack.id,
    StackName: stack.name,
    ChangeSetId: changeSet.id,
    ChangeSetName: changeSet.name,
    ExecutionStatus: changeSet.executionStatus,
    Status: changeSet.status,
    StatusReason: changeSet.statusReason,
    CreationTime: iso(changeSet.created),
    Description: changeSet.description,
  };
}

export function describeChangeSet({ engine, params }: CfnRequest) {
  const { changeSet, stack } = lookup({ engine, params });
  return {
    ...summary(stack, changeSet),
    Parameters: Object.entries(changeSet.parameters).map(([ParameterKey, ParameterValue]) => ({
      ParameterKey,
      ParameterValue,
    })),
    Capabilities: [],
    Changes: changeSet.changes.map(changeShape),
    IncludeNestedStacks: false,
  };
}

function lookup({ engine, params }: CfnRequest) {
  const name = params.get('ChangeSetName') ?? '';
  const stackName = params.get('StackName');
  for (const stack of stackName ? [engine.registry.find(stackName)] : engine.registry.all()) {
    const changeSet =
      stack && [...stack.changeSets.values()].find((c) => c.name === name || c.id === name);
    if (stack && changeSet) return { changeSet, stack };
  }
  throw new CloudFormationError('ChangeSetNotFound', `ChangeSet [${name}] does not exist`, 404);
}

export function executeChangeSet({ engine, params }: CfnRequest) {
  engine.executeChangeSet(params.get('ChangeSetName') ?? '', params.get('StackName'));
  return {};
}

export function deleteChangeSet({ engine, params }: CfnRequest) {
  engine.deleteChangeSet(params.get('ChangeSetName') ?? '', params.get('StackName'));
  return {};
}

export function listChangeSets({ engine, params }: CfnRequest) {
  const stack = engine.registry.get(params.get('StackName') ?? '');
  return { Summaries: [...stack.changeSets.values()].map((c) => summary(stack, c)) };
}
