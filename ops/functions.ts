/**
 * Finds a function of the stack by what a person would type: `requestor`/`generator`, its
 * physical name, or its logical id, on any target.
 */
import { Output, type OutputKey } from '../contract/contract';
import { type Target, TargetError } from './target';

/** The pipeline's functions by short name, with the stack output holding each one's name. */
export const FUNCTION_OUTPUTS = {
  requestor: Output.RequestorFunctionName,
  generator: Output.GeneratorFunctionName,
} as const satisfies Record<string, OutputKey>;

/** The stack output holding each function's log group, by short name. */
const LOG_GROUP_OUTPUTS = {
  requestor: Output.RequestorLogGroupName,
  generator: Output.GeneratorLogGroupName,
} as const satisfies Record<keyof typeof FUNCTION_OUTPUTS, OutputKey>;

/** A function of the stack: its short name (when it has one), its physical name, its log group. */
export interface StackFunction {
  readonly label: string;
  readonly name: string;
  readonly logGroup: string;
}

/** Every function the stack outputs name, labelled by short name. */
export function stackFunctions(target: Target): StackFunction[] {
  return Object.entries(FUNCTION_OUTPUTS).flatMap(([label, key]) => {
    const name = target.outputs[key];
    return name ? [{ label, name, logGroup: logGroupOf(target.outputs, name) }] : [];
  });
}

/**
 * The log group a function of the stack writes to: the one its logging config names, as the
 * stack outputs give it, else Lambda's default `/aws/lambda/NAME` (a stack from before the output).
 */
export function logGroupOf(
  outputs: Readonly<Record<string, string>>,
  functionName: string,
): string {
  const label = Object.entries(FUNCTION_OUTPUTS).find(
    ([, key]) => outputs[key] === functionName,
  )?.[0];
  const group = label
    ? outputs[LOG_GROUP_OUTPUTS[label as keyof typeof LOG_GROUP_OUTPUTS]]
    : undefined;
  return group ?? `/aws/lambda/${functionName}`;
}

/**
 * The physical name of the function `nameOrId` names: a short name (`requestor`, `generator`),
 * a physical name the stack outputs, or a logical id (exact, or a unique prefix such as
 * `RequestorFunction`) looked up with DescribeStackResources.
 *
 * @throws TargetError naming the functions the stack has, when none matches
 */
export async function resolveFunction(target: Target, nameOrId: string): Promise<StackFunction> {
  const known = stackFunctions(target);
  const byLabel = known.find(
    (f) =>
      f.label === nameOrId.toLowerCase() ||
      f.name === nameOrId ||
      nameOrId.endsWith(`:function:${f.name}`),
  );
  if (byLabel) return byLabel;
  // Loaded only for a logical id: the short names and physical names need no call.
  const { CloudFormationClient, DescribeStackResourcesCommand } = await import(
    '@aws-sdk/client-cloudformation'
  );
  const cloudformation = new CloudFormationClient(target.clientConfig('cloudformation'));
  try {
    const { StackResources = [] } = await cloudformation.send(
      new DescribeStackResourcesCommand({ StackName: target.stackName }),
    );
    const functions = StackResources.filter((r) => r.ResourceType === 'AWS::Lambda::Function');
    const exact = functions.find((r) => r.LogicalResourceId === nameOrId);
    const prefixed = functions.filter((r) => r.LogicalResourceId?.startsWith(nameOrId));
    const match = exact ?? (prefixed.length === 1 ? prefixed[0] : undefined);
    if (match?.PhysicalResourceId) {
      const name = match.PhysicalResourceId;
      return (
        known.find((f) => f.name === name) ?? {
          label: name,
          name,
          logGroup: logGroupOf(target.outputs, name),
        }
      );
    }
    const names = functions.map((r) => `${r.LogicalResourceId} (${r.PhysicalResourceId})`);
    throw new TargetError(
      `No function ${nameOrId} in ${target.description}: use ${Object.keys(FUNCTION_OUTPUTS).join(' or ')}, or one of ${names.join(', ') || 'none'}`,
    );
  } finally {
    cloudformation.destroy();
  }
}
