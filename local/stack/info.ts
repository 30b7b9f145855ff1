/**
 * What CloudFormation would say about the running stack (outputs, resources, template), and the
 * stable ids the local cloud gives its event source mappings.
 */
import { createHash } from 'node:crypto';
import type { LocalResource, StackArtifact } from '../../aws/template';
import type { StackInfo } from '../endpoint/cloudformation';

/**
 * The running stack as CloudFormation would describe it: resolved outputs with their descriptions,
 * each resource's physical id (its local `Ref` value), and the template for GetTemplate.
 */
export function stackInfo(
  stack: StackArtifact,
  locals: ReadonlyMap<string, LocalResource>,
  outputs: Record<string, string>,
  region: string,
  accountId: string,
): StackInfo {
  const declared = stack.outputs as Record<string, { Description?: unknown }>;
  return {
    stackName: stack.stackName,
    stackId: `arn:aws:cloudformation:${region}:${accountId}:stack/${stack.stackName}/local`,
    outputs: Object.entries(outputs).map(([key, value]) => {
      const description = declared[key]?.Description;
      return { key, value, ...(typeof description === 'string' ? { description } : {}) };
    }),
    resources: Object.entries(stack.resources).map(([logicalId, resource]) => ({
      logicalId,
      physicalId: locals.get(logicalId)?.ref ?? logicalId,
      type: resource.Type,
    })),
    templateBody: JSON.stringify({
      Parameters: stack.parameters,
      Resources: stack.resources,
      Outputs: stack.outputs,
    }),
  };
}

/** A stable UUID for an event source mapping, so scripts can keep using one across restarts. */
export function mappingUuid(stackName: string, logicalId: string): string {
  const hex = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
