/**
 * CloudFormation's change set actions: CreateChangeSet, DescribeChangeSet (its changes with their
 * details, in pages of at most 1 MB as CloudFormation pages them, with the property values when
 * asked), ExecuteChangeSet, DeleteChangeSet and ListChangeSets.
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

/** CloudFormation pages DescribeChangeSet's changes once its output would exceed 1 MB. */
const CHANGE_PAGE_BYTES = 1024 * 1024;

/** `{"Properties": ...}`, as BeforeContext and AfterContext give a resource's values. */
const context = (properties: Record<string, unknown> | undefined) =>
  properties === undefined ? undefined : JSON.stringify({ Properties: properties });

/** A property's value in a change's Details, as `IncludePropertyValues` gives it. */
const propertyValue = (properties: Record<string, unknown> | undefined, name: string) => {
  const value = properties?.[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
};

function changeShape(change: ResourceChange, values: boolean) {
  return {
    Type: 'Resource',
    ResourceChange: {
      ...(values
        ? { BeforeContext: context(change.before), AfterContext: context(change.after) }
        : {}),
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
          ...(values
            ? {
                BeforeValue: propertyValue(change.before, name),
                AfterValue: propertyValue(change.after, name),
              }
            : {}),
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
  const values = params.get('IncludePropertyValues') === 'true';
  return {
    ...summary(stack, changeSet),
    Parameters: Object.entries(changeSet.parameters).map(([ParameterKey, ParameterValue]) => ({
      ParameterKey,
      ParameterValue,
    })),
    Capabilities: [],
    ...changePage(changeSet.changes, params.get('NextToken'), values),
    IncludeNestedStacks: false,
  };
}

/** The changes from `token` on, as many as fit in a page, and the token of the next page. */
function changePage(changes: readonly ResourceChange[], token: string | null, values: boolean) {
  const start = token === null ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0 || start > changes.length)
    throw new CloudFormationError('ValidationError', `Invalid NextToken: ${token}`);
  const page: ReturnType<typeof changeShape>[] = [];
  let bytes = 0;
  for (const change of changes.slice(start)) {
    const shaped = changeShape(change, values);
    bytes += JSON.stringify(shaped).length;
    if (page.length > 0 && bytes > CHANGE_PAGE_BYTES) break;
    page.push(shaped);
  }
  const next = start + page.length;
  return { Changes: page, ...(next < changes.length ? { NextToken: String(next) } : {}) };
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
