import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { createApp } from '../../lib/app';
import type { StringPipelineStack } from '../../lib/string-pipeline-stack';

/** A synthesized pipeline stack, as `cdk synth -c key=value ...` would build it. */
export interface Synthesized {
  readonly stack: StringPipelineStack;
  readonly template: Template;
  /** The logical id of the L1 resource behind an L2 construct (or of an L1 itself). */
  readonly logicalId: (construct: IConstruct) => string;
}

/**
 * Builds the app with string context values (as the CLI passes them) and synthesizes the stack.
 * Bundles both handlers with esbuild, so call it once per file.
 */
export function synth(context: Record<string, string> = {}): Synthesized {
  const { stack } = createApp({ context });
  const template = Template.fromStack(stack);
  const logicalId = (construct: IConstruct): string => {
    const element = (construct.node.defaultChild ?? construct) as CfnElement;
    return Stack.of(construct).resolve(element.logicalId) as string;
  };
  return { stack, template, logicalId };
}

type Json = Record<string, unknown>;

/** Resources of a type, keyed by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, Json> {
  return template.findResources(type) as Record<string, Json>;
}

/** The `Properties` of the resource with this logical id. */
export function propertiesOf(template: Template, logicalId: string): Json {
  const resource = (template.toJSON().Resources as Record<string, Json>)[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId} in the template`);
  return resource.Properties as Json;
}

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every Allow statement of the policies attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) =>
      JSON.stringify((policy.Properties as Json).Roles).includes(`"${roleLogicalId}"`),
    )
    .flatMap(
      (policy) =>
        ((policy.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement,
    )
    .filter((statement) => statement.Effect === 'Allow');
}

/**
 * The actions a role is allowed on resources that reference the given logical id (directly, or
 * as part of an ARN built from it).
 */
export function actionsOn(statements: Statement[], logicalId: string): Set<string> {
  const actions = new Set<string>();
  for (const statement of statements) {
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    if (resources.some((resource) => JSON.stringify(resource).includes(`"${logicalId}"`))) {
      for (const action of [statement.Action].flat()) actions.add(action);
    }
  }
  return actions;
}

/** Every logical id any statement's resources reference; `*` for unscoped resources. */
export function referencedResources(statements: Statement[]): Set<string> {
  const ids = new Set<string>();
  for (const statement of statements) {
    const text = JSON.stringify(statement.Resource);
    if (statement.Resource === '*') ids.add('*');
    for (const match of text.matchAll(/"(?:Ref|Fn::GetAtt)":\s*\[?"([A-Za-z0-9]+)"/g)) {
      if (match[1]) ids.add(match[1]);
    }
  }
  return ids;
}
