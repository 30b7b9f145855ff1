/**
 * One resource through a deploy: created, updated in place, replaced (a new physical resource,
 * the old one deleted at cleanup) or left as it is, with the events CloudFormation records.
 */
import type { LocalResource } from '../../aws/template';
import type { DeployedResource, Stack, TemplateResource } from './model';
import type { StackRegistry } from './registry';
import { handlerOf, type ResourceContext, type ResourceServices } from './resources';
import type { ResourceHandler } from './resources/handler';

/** What a deploy did to a resource, so a rollback can undo it and cleanup can finish it. */
export type Applied =
  | { readonly kind: 'created'; readonly logicalId: string }
  | { readonly kind: 'updated'; readonly before: DeployedResource }
  | { readonly kind: 'replaced'; readonly before: DeployedResource };

/** A resource failed; the message is CloudFormation's status reason. */
export class ResourceFailure extends Error {
  constructor(
    readonly logicalId: string,
    message: string,
  ) {
    super(message);
  }
}

/** What applying resources needs. */
export interface DeployScope {
  readonly registry: StackRegistry;
  readonly services: ResourceServices;
  readonly stack: Stack;
  readonly locals: Map<string, LocalResource>;
}

export function contextFor(scope: DeployScope, logicalId: string): ResourceContext {
  const { registry, services, stack } = scope;
  return {
    stackName: stack.name,
    logicalId,
    region: registry.region,
    accountId: registry.accountId,
    services,
    template: stack.template,
  };
}

/** Applies one resource's definition; returns what it did, or undefined if nothing changed. */
export async function applyResource(
  scope: DeployScope,
  logicalId: string,
  definition: TemplateResource,
  props: Record<string, unknown>,
): Promise<Applied | undefined> {
  const deployed = scope.stack.resources.get(logicalId);
  const handler = handlerOf(definition.Type);
  if (!handler) {
    const reason = `The local cloud does not support resource type ${definition.Type}`;
    const pending = {
      logicalId,
      type: definition.Type,
      physicalId: '',
      attributes: {},
      properties: props,
      status: '',
      updated: new Date(),
    };
    scope.registry.resourceEvent(scope.stack, pending, 'CREATE_FAILED', reason);
    throw new ResourceFailure(logicalId, reason);
  }
  if (!deployed) {
    await create(scope, logicalId, definition.Type, props, handler);
    return { kind: 'created', logicalId };
  }
  const before = { ...deployed };
  const changed = Object.keys({ ...deployed.properties, ...props }).filter(
    (k) => JSON.stringify(deployed.properties[k]) !== JSON.stringify(props[k]),
  );
  if (deployed.type === definition.Type && changed.length === 0) return undefined;
  const replaces =
    deployed.type !== definition.Type ||
    !handler.update ||
    changed.some((p) => handler.replaceOn?.includes(p));
  if (replaces) {
    await create(
      scope,
      logicalId,
      definition.Type,
      props,
      handler,
      'Requested update requires the creation of a new physical resource; hence creating one.',
    );
    return { kind: 'replaced', before };
  }
  await update(scope, deployed, props, handler);
  return { kind: 'updated', before };
}

async function create(
  scope: DeployScope,
  logicalId: string,
  type: string,
  props: Record<string, unknown>,
  handler: ResourceHandler,
  reason?: string,
): Promise<void> {
  const pending: DeployedResource = {
    logicalId,
    type,
    physicalId: '',
    attributes: {},
    properties: props,
    status: '',
    updated: new Date(),
  };
  const { registry, stack } = scope;
  registry.resourceEvent(stack, pending, 'CREATE_IN_PROGRESS', reason);
  try {
    const made = await handler.create(contextFor(scope, logicalId), props);
    const resource: DeployedResource = {
      ...pending,
      physicalId: made.physicalId,
      attributes: made.attributes,
    };
    stack.resources.set(logicalId, resource);
    scope.locals.set(logicalId, { ref: made.physicalId, attributes: made.attributes });
    registry.resourceEvent(stack, resource, 'CREATE_COMPLETE');
  } catch (error) {
    const message = (error as Error).message;
    registry.resourceEvent(stack, pending, 'CREATE_FAILED', message);
    throw new ResourceFailure(logicalId, message);
  }
}

async function update(
  scope: DeployScope,
  deployed: DeployedResource,
  props: Record<string, unknown>,
  handler: ResourceHandler,
): Promise<void> {
  const { registry, stack } = scope;
  registry.resourceEvent(stack, deployed, 'UPDATE_IN_PROGRESS');
  try {
    const made = await (handler.update as NonNullable<ResourceHandler['update']>)(
      contextFor(scope, deployed.logicalId),
      deployed,
      props,
    );
    const resource: DeployedResource = {
      ...deployed,
      physicalId: made.physicalId,
      attributes: made.attributes,
      properties: props,
    };
    stack.resources.set(deployed.logicalId, resource);
    scope.locals.set(deployed.logicalId, { ref: made.physicalId, attributes: made.attributes });
    registry.resourceEvent(stack, resource, 'UPDATE_COMPLETE');
  } catch (error) {
    const message = (error as Error).message;
    registry.resourceEvent(stack, deployed, 'UPDATE_FAILED', message);
    throw new ResourceFailure(deployed.logicalId, message);
  }
}

/** Deletes a deployed resource (or skips it when its policy retains it), with its events. */
export async function deleteResource(
  scope: DeployScope,
  resource: DeployedResource,
  retain: boolean,
): Promise<void> {
  const { registry, stack } = scope;
  if (retain) {
    registry.resourceEvent(stack, { ...resource }, 'DELETE_SKIPPED');
    return;
  }
  registry.resourceEvent(stack, resource, 'DELETE_IN_PROGRESS');
  try {
    await handlerOf(resource.type)?.delete(contextFor(scope, resource.logicalId), resource);
  } catch (error) {
    const message = (error as Error).message;
    registry.resourceEvent(stack, resource, 'DELETE_FAILED', message);
    throw new ResourceFailure(resource.logicalId, message);
  }
  registry.resourceEvent(stack, { ...resource }, 'DELETE_COMPLETE');
}
