import { type App, type CfnElement, Stack } from 'aws-cdk-lib';
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

/** Context and props that keep a test's app cheap: see {@link buildApp}. */
const CHEAP = {
  // Skips esbuild for every stack. Templates are the same except for the functions' S3Key, which
  // is derived from the construct path instead of the bundle.
  context: { 'aws:cdk:bundling-stacks': [] },
  // CDK's own CloudFormation validation compiles a WebAssembly engine (about 2 s per process);
  // test/infra/cli.test.ts runs it, through `cdk synth`, on the real app.
  builtinCloudFormationValidation: false,
} as const;

/**
 * Builds a new app, without bundling the handlers or running CDK's built-in template validation,
 * for a test that changes the stack (adds a resource) and so cannot share {@link synth}'s.
 */
export function buildApp(context: Record<string, string> = {}): {
  app: App;
  stack: StringPipelineStack;
} {
  return createApp({ ...CHEAP, context: { ...CHEAP.context, ...context } });
}

const synthesized = new Map<string, Synthesized>();

/**
 * The stack built with string context values (as the CLI passes them), synthesized once per
 * distinct context in this process and shared by every caller: do not change it.
 *
 * The handlers are not bundled (see {@link buildApp}); read bundles from the assembly the global
 * setup synthesizes (`inject('pipelineAssembly')`).
 */
export function synth(context: Record<string, string> = {}): Synthesized {
  const key = JSON.stringify(Object.entries(context).sort(([a], [b]) => a.localeCompare(b)));
  const cached = synthesized.get(key);
  if (cached) return cached;
  const { stack } = buildApp(context);
  const template = Template.fromStack(stack);
  const logicalId = (construct: IConstruct): string => {
    const element = (construct.node.defaultChild ?? construct) as CfnElement;
    return Stack.of(construct).resolve(element.logicalId) as string;
  };
  const result = { stack, template, logicalId };
  synthesized.set(key, result);
  return result;
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
