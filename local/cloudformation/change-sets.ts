/**
 * Change sets as CloudFormation makes them: the template read and its parameters settled, the
 * Rules checked, the resource changes planned; "no changes" is a FAILED change set with the
 * reason the CDK CLI looks for.
 */
import { randomUUID } from 'node:crypto';
import type { FauxqsBuckets } from '../sqs/fauxqs';
import type { ParameterStore } from '../ssm/store';
import type { ChangeSet, Stack } from './model';
import { checkRules, type GivenParameter, parameterValues, resolvedValues } from './parameters';
import { planChanges } from './plan';
import { CloudFormationError, type StackRegistry } from './registry';
import { localsOf, templateResolver } from './scope';
import { readTemplate } from './template-source';

/** What CreateChangeSet is given. */
export interface ChangeSetRequest {
  readonly stackName: string;
  readonly changeSetName: string;
  readonly type: 'CREATE' | 'UPDATE';
  readonly templateBody?: string | null;
  readonly templateUrl?: string | null;
  readonly usePreviousTemplate?: boolean;
  readonly parameters: readonly GivenParameter[];
  readonly description?: string | null;
}

const NO_CHANGES =
  "The submitted information didn't contain changes. Submit different information to create a change set.";

/** Refuses an operation on a stack that is busy, as CloudFormation does. */
export function assertIdle(stack: Stack): void {
  if (stack.status.endsWith('_IN_PROGRESS') && stack.status !== 'REVIEW_IN_PROGRESS') {
    throw new CloudFormationError(
      'ValidationError',
      `Stack:${stack.id} is in ${stack.status} state and can not be updated.`,
    );
  }
}

/** The stack a change set of `type` is for: found, or (for CREATE) made in REVIEW_IN_PROGRESS. */
function stackFor(registry: StackRegistry, request: ChangeSetRequest): Stack {
  const existing = registry.find(request.stackName);
  const live = existing && !existing.deleted ? existing : undefined;
  if (request.type === 'UPDATE') {
    if (!live)
      throw new CloudFormationError(
        'ValidationError',
        `Stack [${request.stackName}] does not exist`,
      );
    return live;
  }
  if (live && live.status !== 'REVIEW_IN_PROGRESS')
    throw new CloudFormationError(
      'AlreadyExistsException',
      `Stack [${request.stackName}] already exists`,
    );
  return live ?? registry.create(request.stackName, 'REVIEW_IN_PROGRESS');
}

/** Makes a change set for the request; its status says whether it can be executed. */
export function createChangeSet(
  registry: StackRegistry,
  stores: { readonly buckets: FauxqsBuckets; readonly parameters: ParameterStore },
  request: ChangeSetRequest,
): { changeSet: ChangeSet; stack: Stack } {
  const stack = stackFor(registry, request);
  assertIdle(stack);
  if (stack.changeSets.has(request.changeSetName))
    throw new CloudFormationError(
      'AlreadyExistsException',
      `ChangeSet [${request.changeSetName}] already exists`,
    );
  const { template, body } = request.usePreviousTemplate
    ? { template: stack.template, body: stack.templateBody }
    : readTemplate({ body: request.templateBody, url: request.templateUrl }, stores.buckets);
  const values = parameterValues(template, request.parameters, stack.parameters);
  const resolved = resolvedValues(template, values, stores.parameters);
  const resolver = templateResolver(registry, stack, template, resolved, localsOf(stack.resources));
  checkRules(template, resolver);
  const changes = planChanges(stack, template, resolver);
  const unchanged =
    request.type === 'UPDATE' &&
    changes.length === 0 &&
    JSON.stringify(template.Outputs ?? {}) === JSON.stringify(stack.template.Outputs ?? {}) &&
    JSON.stringify(values) === JSON.stringify(stack.parameters);
  const changeSet: ChangeSet = {
    id: `arn:aws:cloudformation:${registry.region}:${registry.accountId}:changeSet/${request.changeSetName}/${randomUUID()}`,
    name: request.changeSetName,
    type: request.type,
    created: new Date(),
    ...(request.description ? { description: request.description } : {}),
    template,
    templateBody: body,
    parameters: values,
    changes,
    status: unchanged ? 'FAILED' : 'CREATE_COMPLETE',
    ...(unchanged ? { statusReason: NO_CHANGES } : {}),
    executionStatus: unchanged ? 'UNAVAILABLE' : 'AVAILABLE',
  };
  stack.changeSets.set(changeSet.name, changeSet);
  return { changeSet, stack };
}

/**
 * The change set named (or with the ARN) `nameOrArn`, of `stackName` when given.
 * @throws CloudFormationError ChangeSetNotFound
 */
export function findChangeSet(
  registry: StackRegistry,
  nameOrArn: string,
  stackName: string | null,
): { changeSet: ChangeSet; stack: Stack } {
  const stacks = stackName
    ? [registry.find(stackName)].filter((s) => s !== undefined)
    : registry.all();
  for (const stack of stacks) {
    for (const changeSet of stack.changeSets.values()) {
      if (changeSet.name === nameOrArn || changeSet.id === nameOrArn) return { changeSet, stack };
    }
  }
  throw new CloudFormationError(
    'ChangeSetNotFound',
    `ChangeSet [${nameOrArn}] does not exist`,
    404,
  );
}
