/**
 * The stack the local cloud started from a cloud assembly, recorded in its CloudFormation so the
 * API describes it (outputs, resources, template) as it describes a deployed one; and the stable
 * ids the local cloud gives its event source mappings.
 */
import { createHash } from 'node:crypto';
import type { LocalResource, StackArtifact } from '../../aws/template';
import type { Stack } from '../cloudformation/model';
import type { StackRegistry } from '../cloudformation/registry';

const STARTED_OUTSIDE =
  'This stack was started by the local cloud from its cloud assembly; restart the local cloud to change or remove it';

/**
 * Records (or, after a stack update, re-records) the running stack: each resource's physical id
 * (its local `Ref` value) and attributes, the resolved outputs with their descriptions, the template.
 */
export function recordStack(
  registry: StackRegistry,
  stack: StackArtifact,
  locals: ReadonlyMap<string, LocalResource>,
  outputs: Record<string, string>,
): Stack {
  const existing = registry.find(stack.stackName);
  const record = existing ?? registry.create(stack.stackName, 'CREATE_IN_PROGRESS');
  const template = {
    Parameters: stack.parameters,
    Resources: stack.resources,
    Outputs: stack.outputs,
  };
  Object.assign(record, {
    template,
    templateBody: JSON.stringify(template),
    startedOutside: STARTED_OUTSIDE,
  });
  record.resources.clear();
  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    const local = locals.get(logicalId);
    record.resources.set(logicalId, {
      logicalId,
      type: resource.Type,
      physicalId: local?.ref ?? logicalId,
      attributes: local?.attributes ?? {},
      properties: {},
      status: 'CREATE_COMPLETE',
      updated: new Date(),
    });
  }
  record.outputs = Object.entries(outputs).map(([key, value]) => {
    const description = stack.outputs[key]?.Description;
    return { key, value, ...(typeof description === 'string' ? { description } : {}) };
  });
  if (existing) record.updated = new Date();
  registry.stackEvent(record, existing ? 'UPDATE_COMPLETE' : 'CREATE_COMPLETE');
  return record;
}

/** A stable UUID for an event source mapping, so scripts can keep using one across restarts. */
export function mappingUuid(stackName: string, logicalId: string): string {
  const hex = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
