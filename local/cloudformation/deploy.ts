/**
 * A change set executed: the stack's resources created or updated in dependency order, its
 * outputs resolved, then the replaced and removed resources deleted. A resource that fails rolls
 * the stack back to what it was, as CloudFormation does.
 */
import {
  type Applied,
  applyResource,
  type DeployScope,
  deleteResource,
  ResourceFailure,
} from './apply';
import { creationOrder } from './dependencies';
import type { ChangeSet, DeployedResource, Stack, StackOutput, Template } from './model';
import { resolveOutputs } from './outputs';
import { resolvedValues } from './parameters';
import type { StackRegistry } from './registry';
import type { ResourceServices } from './resources';
import { effectiveResources, localsOf, templateResolver } from './scope';

/** The stack as it was before the deploy, to roll back to. */
interface Previous {
  readonly template: Template;
  readonly templateBody: string;
  readonly parameters: Record<string, string>;
  readonly outputs: StackOutput[];
  readonly updated: Date | undefined;
}

/** Executes `changeSet` on `stack`; settles when the stack reaches a final status. */
export async function deploy(
  registry: StackRegistry,
  services: ResourceServices,
  stack: Stack,
  changeSet: ChangeSet,
): Promise<void> {
  const creating = changeSet.type === 'CREATE';
  const previous: Previous = {
    template: stack.template,
    templateBody: stack.templateBody,
    parameters: stack.parameters,
    outputs: [...stack.outputs],
    updated: stack.updated,
  };
  registry.stackEvent(
    stack,
    creating ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS',
    'User Initiated',
  );
  Object.assign(stack, {
    template: changeSet.template,
    templateBody: changeSet.templateBody,
    parameters: { ...changeSet.parameters },
  });
  const scope: DeployScope = { registry, services, stack, locals: localsOf(stack.resources) };
  const applied: Applied[] = [];
  try {
    const values = resolvedValues(stack.template, stack.parameters, services.parameters);
    const resolver = templateResolver(registry, stack, stack.template, values, scope.locals);
    const resources = effectiveResources(stack.template, resolver) ?? {};
    for (const logicalId of creationOrder(resources)) {
      const definition = resources[logicalId];
      if (!definition) continue;
      const props = resolver.resolve(
        definition.Properties ?? {},
        `${logicalId}.Properties`,
      ) as Record<string, unknown>;
      const done = await applyResource(scope, logicalId, definition, props);
      if (done) applied.push(done);
    }
    stack.outputs = resolveOutputs(stack.template, resolver);
    stack.updated = creating ? undefined : new Date();
    await cleanUp(scope, applied, new Set(Object.keys(resources)), previous.template, creating);
  } catch (error) {
    await rollBack(scope, applied, previous, creating, error);
  }
}

/** After a successful update: the replaced and the removed resources are deleted. */
async function cleanUp(
  scope: DeployScope,
  applied: readonly Applied[],
  kept: ReadonlySet<string>,
  before: Template,
  creating: boolean,
): Promise<void> {
  const { registry, stack } = scope;
  if (creating) return registry.stackEvent(stack, 'CREATE_COMPLETE');
  registry.stackEvent(stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
  const old: DeployedResource[] = applied.flatMap((a) => (a.kind === 'replaced' ? [a.before] : []));
  const order = creationOrder(before.Resources ?? {}).reverse();
  const removed = order.filter((id) => !kept.has(id)).map((id) => stack.resources.get(id));
  for (const resource of [...old, ...removed]) {
    if (!resource) continue;
    const policy = before.Resources?.[resource.logicalId];
    const retain =
      (kept.has(resource.logicalId) ? policy?.UpdateReplacePolicy : policy?.DeletionPolicy) ===
      'Retain';
    try {
      await deleteResource(scope, resource, retain);
    } catch {
      // CloudFormation leaves a resource it cannot clean up behind and completes the update.
    }
    if (!kept.has(resource.logicalId)) stack.resources.delete(resource.logicalId);
  }
  registry.stackEvent(stack, 'UPDATE_COMPLETE');
}

/** Undoes what a failed deploy applied, newest first, and restores the stack's template. */
async function rollBack(
  scope: DeployScope,
  applied: readonly Applied[],
  previous: Previous,
  creating: boolean,
  error: unknown,
): Promise<void> {
  const { registry, stack } = scope;
  const failed = error instanceof ResourceFailure ? error.logicalId : undefined;
  const reason = failed
    ? `The following resource(s) failed to ${creating ? 'create' : 'update'}: [${failed}]. Rollback requested by user.`
    : (error as Error).message;
  registry.stackEvent(
    stack,
    creating ? 'ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_IN_PROGRESS',
    reason,
  );
  for (const step of [...applied].reverse()) await undo(scope, step);
  Object.assign(stack, previous);
  registry.stackEvent(stack, creating ? 'ROLLBACK_COMPLETE' : 'UPDATE_ROLLBACK_COMPLETE');
}

async function undo(scope: DeployScope, step: Applied): Promise<void> {
  const { stack } = scope;
  const logicalId = step.kind === 'created' ? step.logicalId : step.before.logicalId;
  const current = stack.resources.get(logicalId);
  try {
    if (step.kind === 'updated') {
      await applyResource(scope, logicalId, { Type: step.before.type }, step.before.properties);
      return;
    }
    if (current) await deleteResource(scope, current, false);
  } catch {
    // A resource that cannot be rolled back stays as it is, as CloudFormation's would.
  }
  if (step.kind === 'replaced') stack.resources.set(logicalId, step.before);
  else stack.resources.delete(logicalId);
}
