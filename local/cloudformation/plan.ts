/**
 * What a change set would do: each resource added, modified (in place or by replacement) or
 * removed, from the deployed stack and the new template with its parameter values.
 */
import type { IntrinsicResolver } from '../../aws/template';
import type { DeployedResource, ResourceChange, Stack, Template, TemplateResource } from './model';
import { handlerOf } from './resources';
import { effectiveResources } from './scope';

/** The top-level properties whose values differ. */
function changedProperties(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/** How a deployed resource changes under `definition`, or undefined if it does not. */
function modification(
  deployed: DeployedResource,
  definition: TemplateResource,
  resolver: IntrinsicResolver,
): ResourceChange | undefined {
  const base = {
    action: 'Modify' as const,
    logicalId: deployed.logicalId,
    physicalId: deployed.physicalId,
    type: definition.Type,
    before: deployed.properties,
  };
  if (deployed.type !== definition.Type)
    return { ...base, replacement: 'True', scope: ['Properties'], properties: [] };
  let resolved: Record<string, unknown> | undefined;
  try {
    resolved = resolver.resolve(definition.Properties ?? {}, deployed.logicalId) as Record<
      string,
      unknown
    >;
  } catch {
    // It refers to something that is itself being added or replaced: it may change.
    return { ...base, replacement: 'Conditional', scope: ['Properties'], properties: [] };
  }
  const properties = changedProperties(deployed.properties, resolved);
  if (properties.length === 0) return undefined;
  const handler = handlerOf(definition.Type);
  const replaces = !handler?.update || properties.some((p) => handler.replaceOn?.includes(p));
  return {
    ...base,
    replacement: replaces ? 'True' : 'False',
    scope: ['Properties'],
    properties,
    after: resolved,
  };
}

/** The changes deploying `template` (resolved by `resolver`) to `stack` makes. */
export function planChanges(
  stack: Stack,
  template: Template,
  resolver: IntrinsicResolver,
): ResourceChange[] {
  const next = effectiveResources(template, resolver) ?? {};
  const changes: ResourceChange[] = [];
  for (const [logicalId, definition] of Object.entries(next)) {
    const deployed = stack.resources.get(logicalId);
    if (!deployed) {
      const after = resolvedOrUndefined(resolver, logicalId, definition);
      changes.push({
        action: 'Add',
        logicalId,
        type: definition.Type,
        scope: [],
        properties: [],
        after,
      });
      continue;
    }
    const change = modification(deployed, definition, resolver);
    if (change) changes.push(change);
  }
  for (const deployed of stack.resources.values()) {
    if (next[deployed.logicalId]) continue;
    changes.push({
      action: 'Remove',
      logicalId: deployed.logicalId,
      physicalId: deployed.physicalId,
      type: deployed.type,
      scope: [],
      properties: [],
      before: deployed.properties,
    });
  }
  return changes;
}

/** A new resource's properties, or undefined while they refer to what does not exist yet. */
function resolvedOrUndefined(
  resolver: IntrinsicResolver,
  logicalId: string,
  definition: TemplateResource,
): Record<string, unknown> | undefined {
  try {
    return resolver.resolve(definition.Properties ?? {}, logicalId) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
