/**
 * A stack deleted: its resources in reverse dependency order, those whose DeletionPolicy is
 * Retain left in place, then the stack retired from the live ones.
 */
import { type DeployScope, deleteResource } from './apply';
import { creationOrder } from './dependencies';
import type { Stack } from './model';
import type { StackRegistry } from './registry';
import type { ResourceServices } from './resources';
import { localsOf } from './scope';

export async function deleteStack(
  registry: StackRegistry,
  services: ResourceServices,
  stack: Stack,
): Promise<void> {
  const scope: DeployScope = { registry, services, stack, locals: localsOf(stack.resources) };
  registry.stackEvent(stack, 'DELETE_IN_PROGRESS', 'User Initiated');
  const definitions = stack.template.Resources ?? {};
  const known = creationOrder(definitions).reverse();
  const others = [...stack.resources.keys()].filter((id) => !definitions[id]);
  const failures: string[] = [];
  for (const logicalId of [...others, ...known]) {
    const resource = stack.resources.get(logicalId);
    if (!resource) continue;
    try {
      await deleteResource(scope, resource, definitions[logicalId]?.DeletionPolicy === 'Retain');
      stack.resources.delete(logicalId);
    } catch {
      failures.push(logicalId);
    }
  }
  if (failures.length > 0) {
    const reason = `The following resource(s) failed to delete: [${failures.join(', ')}]. `;
    return registry.stackEvent(stack, 'DELETE_FAILED', reason);
  }
  registry.stackEvent(stack, 'DELETE_COMPLETE');
  registry.retire(stack);
}
