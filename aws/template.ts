/**
 * A synthesized CloudFormation template as the local cloud reads it: the stack loaded from a cloud
 * assembly and checked for resources it cannot run, and the intrinsic functions CDK writes resolved
 * against local values.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A CloudFormation resource as it appears in a synthesized template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
}

/** A synthesized stack: its template and where its assets live. */
export interface StackArtifact {
  readonly stackName: string;
  readonly assemblyDir: string;
  /** The template's file in the assembly. @default `STACK.template.json` */
  readonly templateFile?: string;
  readonly resources: Record<string, CfnResource>;
  readonly outputs: Record<
    string,
    { Value: unknown; Description?: string; Export?: { Name: unknown } }
  >;
  readonly parameters: Record<string, { Default?: unknown; Type?: string }>;
  /** The template's Conditions section. @default none */
  readonly conditions?: Record<string, unknown>;
  /** Values given for parameters at deploy time; the rest take their Default. @default none */
  readonly parameterValues?: Readonly<Record<string, string>>;
}

/** What `Ref: AWS::NoValue` resolves to: the property or list item is dropped. */
const NO_VALUE = Symbol('AWS::NoValue');

/** The template, assembly or a resource in it is something the local cloud cannot run. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/**
 * Resource types the local cloud runs. Everything else must be listed in {@link INERT_TYPES} or
 * the template is rejected: silently skipping a resource would make local runs lie.
 */
export const EMULATED_TYPES = new Set([
  'AWS::SQS::Queue',
  'AWS::DynamoDB::Table',
  'AWS::Lambda::Function',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Scheduler::Schedule',
]);

/**
 * Resource types that exist only to secure, observe or describe the stack on AWS. They change
 * nothing about how messages flow, so locally they are accepted and not enforced (IAM is not
 * checked locally: the infra tests pin each function's permissions instead).
 */
export const INERT_TYPES = new Set([
  'AWS::CDK::Metadata',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::SQS::QueuePolicy',
  'AWS::Logs::LogGroup',
  'AWS::Lambda::Permission',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::KMS::Key',
  'AWS::Scheduler::ScheduleGroup',
]);

/**
 * Reads a stack's template from a cloud assembly (the `cdk.out` directory) and checks that every
 * resource in it is one the local cloud understands.
 *
 * @param stackName the stack to read; default: the only stack in the assembly
 * @throws TemplateError naming the missing stack or each unsupported resource and its type
 */
export function loadStack(assemblyDir: string, stackName?: string): StackArtifact {
  const manifestPath = join(assemblyDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new TemplateError(`No cloud assembly in ${assemblyDir}: manifest.json is missing`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(
    ([, artifact]) => artifact.type === 'aws:cloudformation:stack',
  );
  const chosen = stackName ? stacks.find(([id]) => id === stackName) : stacks[0];
  if (!chosen) {
    const names = stacks.map(([id]) => id).join(', ') || 'none';
    throw new TemplateError(
      `Stack ${stackName ?? '(any)'} is not in the cloud assembly ${assemblyDir} (stacks: ${names})`,
    );
  }
  if (!stackName && stacks.length > 1) {
    throw new TemplateError(
      `The cloud assembly has ${stacks.length} stacks (${stacks.map(([id]) => id).join(', ')}): say which one to run`,
    );
  }
  const [id, artifact] = chosen;
  const templateFile = artifact.properties?.templateFile ?? `${id}.template.json`;
  const template = JSON.parse(readFileSync(join(assemblyDir, templateFile), 'utf8')) as {
    Resources?: Record<string, CfnResource>;
    Outputs?: Record<string, { Value: unknown }>;
    Parameters?: Record<string, { Default?: unknown }>;
  };
  const resources = template.Resources ?? {};
  const unsupported = Object.entries(resources)
    .filter(([, r]) => !EMULATED_TYPES.has(r.Type) && !INERT_TYPES.has(r.Type))
    .map(([logicalId, r]) => `${logicalId} (${r.Type})`);
  if (unsupported.length > 0) {
    throw new TemplateError(
      `The local cloud cannot run ${unsupported.length === 1 ? 'this resource' : 'these resources'} of stack ${id}: ${unsupported.join(', ')}`,
    );
  }
  const conditional = Object.entries(resources)
    .filter(([, r]) => r.Condition !== undefined && EMULATED_TYPES.has(r.Type))
    .map(([logicalId]) => logicalId);
  if (conditional.length > 0) {
    throw new TemplateError(
      `The local cloud does not evaluate template conditions; conditional resources: ${conditional.join(', ')}`,
    );
  }
  return {
    stackName: id,
    assemblyDir,
    templateFile,
    resources,
    outputs: template.Outputs ?? {},
    parameters: template.Parameters ?? {},
  };
}

/** What a logical id resolves to locally: its `Ref` value and its `Fn::GetAtt` attributes. */
export interface LocalResource {
  readonly ref: string;
  readonly attributes: Record<string, string>;
}

/**
 * Resolves the intrinsic functions CDK templates and the CDK bootstrap template use (`Ref`,
 * `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`, `Fn::GetAZs`, `Fn::Base64`,
 * `Fn::ImportValue` and the condition functions) against local values, with the template's
 * parameters and conditions. Anything else is an error naming the function and where it was found.
 */
export class IntrinsicResolver {
  private readonly pseudo: Record<string, string>;

  constructor(
    private readonly stack: StackArtifact,
    private readonly resolved: Map<string, LocalResource>,
    private readonly env: {
      region: string;
      accountId: string;
      /** The value another stack exports under a name, for `Fn::ImportValue`. */
      importValue?: (name: string) => string | undefined;
      /** The stack's id (`AWS::StackId`). @default an ARN ending in `/local` */
      stackId?: string;
    },
  ) {
    this.pseudo = {
      'AWS::Region': env.region,
      'AWS::AccountId': env.accountId,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stack.stackName,
      'AWS::StackId':
        env.stackId ??
        `arn:aws:cloudformation:${env.region}:${env.accountId}:stack/${stack.stackName}/local`,
      'AWS::NotificationARNs': '',
    };
  }

  /** Resolves `value` to plain JSON; `where` names the property for error messages. */
  resolve(value: unknown, where: string): unknown {
    if (Array.isArray(value)) {
      return value.map((v, i) => this.resolve(v, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return this.intrinsic(first[0], first[1], where);
    }
    const resolved = entries.map(([k, v]) => [k, this.resolve(v, `${where}.${k}`)] as const);
    return Object.fromEntries(resolved.filter(([, v]) => v !== NO_VALUE));
  }

  /** Resolves `value` and requires a string. */
  string(value: unknown, where: string): string {
    const resolved = this.resolve(value, where);
    if (typeof resolved === 'number') return String(resolved);
    if (typeof resolved !== 'string') {
      throw new TemplateError(
        `${where} should resolve to a string, got ${JSON.stringify(resolved)}`,
      );
    }
    return resolved;
  }

  /**
   * Whether the template's condition `name` holds; each is evaluated once.
   * @throws TemplateError for a condition the template does not define
   */
  condition(name: string): boolean {
    const known = this.conditionValues.get(name);
    if (known !== undefined) return known;
    const expression = this.stack.conditions?.[name];
    if (expression === undefined)
      throw new TemplateError(`Condition ${name} is not defined in the template`);
    const value = this.truth(expression, `Conditions.${name}`);
    this.conditionValues.set(name, value);
    return value;
  }

  private readonly conditionValues = new Map<string, boolean>();

  /** A condition expression's value: `{ Condition: name }` or a condition function. */
  private truth(expression: unknown, where: string): boolean {
    if (expression !== null && typeof expression === 'object' && 'Condition' in expression)
      return this.condition(String((expression as { Condition: unknown }).Condition));
    const value = this.resolve(expression, where);
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new TemplateError(`${where} should be a condition, got ${JSON.stringify(value)}`);
  }

  private intrinsic(fn: string, arg: unknown, where: string): unknown {
    const handler = this.functions[fn];
    if (!handler) throw new TemplateError(`The local cloud cannot resolve ${fn} (at ${where})`);
    return handler(arg, where);
  }

  /** The intrinsic functions, by name. */
  private readonly functions: Record<string, (arg: unknown, where: string) => unknown> = {
    Ref: (arg, where) => (arg === 'AWS::NoValue' ? NO_VALUE : this.ref(String(arg), where)),
    'Fn::GetAtt': (arg, where) => {
      // Attribute names may hold dots themselves (`Endpoint.Address`): split at the first one.
      const [logicalId, attribute] = Array.isArray(arg) ? arg : splitAtFirstDot(String(arg));
      return this.getAtt(String(logicalId), String(attribute), where);
    },
    'Fn::Join': (arg, where) => {
      const [separator, parts] = arg as [string, unknown[]];
      return (this.resolve(parts, where) as unknown[]).map(String).join(separator);
    },
    'Fn::Sub': (arg, where) => this.sub(arg, where),
    'Fn::Select': (arg, where) => {
      const [index, list] = arg as [unknown, unknown];
      const items = this.resolve(list, where) as unknown[];
      const item = items[Number(this.resolve(index, where))];
      if (item === undefined) throw new TemplateError(`Fn::Select index out of range at ${where}`);
      return item;
    },
    'Fn::Split': (arg, where) => {
      const [separator, text] = arg as [string, unknown];
      return this.string(text, where).split(separator);
    },
    'Fn::GetAZs': () => ['a', 'b', 'c'].map((zone) => `${this.pseudo['AWS::Region']}${zone}`),
    'Fn::Base64': (arg, where) => Buffer.from(this.string(arg, where)).toString('base64'),
    'Fn::If': (arg, where) => {
      const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown];
      return this.resolve(this.condition(String(name)) ? whenTrue : whenFalse, where);
    },
    'Fn::Equals': (arg, where) => {
      const [a, b] = (arg as unknown[]).map((v) => JSON.stringify(this.resolve(v, where)));
      return a === b;
    },
    'Fn::Not': (arg, where) => !this.truth((arg as unknown[])[0], where),
    'Fn::Contains': (arg, where) => {
      const [list, value] = arg as [unknown, unknown];
      const items = (this.resolve(list, where) as unknown[]).map(String);
      return items.includes(String(this.resolve(value, where)));
    },
    'Fn::And': (arg, where) => (arg as unknown[]).every((c) => this.truth(c, where)),
    'Fn::Or': (arg, where) => (arg as unknown[]).some((c) => this.truth(c, where)),
    'Fn::ImportValue': (arg, where) => {
      const name = this.string(arg, where);
      const value = this.env.importValue?.(name);
      if (value === undefined)
        throw new TemplateError(`No export named ${name} found (Fn::ImportValue at ${where})`);
      return value;
    },
  };

  private sub(arg: unknown, where: string): string {
    const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
    const values = this.resolve(vars, where) as Record<string, unknown>;
    return String(text).replace(/\$\{(!?)([^}]*)\}/g, (_, bang: string, name: string) => {
      // `${!Literal}` is CloudFormation's escape for a literal `${Literal}`.
      if (bang) return `\${${name}}`;
      if (name in values) return String(values[name]);
      if (name.includes('.')) {
        const [logicalId, attribute] = splitAtFirstDot(name);
        return this.getAtt(logicalId, attribute, where);
      }
      return String(this.ref(name, where));
    });
  }

  private ref(name: string, where: string): string | string[] {
    const pseudo = this.pseudo[name];
    if (pseudo !== undefined) return pseudo;
    const parameter = this.stack.parameters[name];
    const given = this.stack.parameterValues?.[name];
    if (given !== undefined) return isListType(parameter?.Type) ? given.split(',') : given;
    if (parameter) {
      if (parameter.Default === undefined) {
        throw new TemplateError(`Parameter ${name} (used at ${where}) has no default`);
      }
      return String(parameter.Default);
    }
    return this.local(name, where).ref;
  }

  private getAtt(logicalId: string, attribute: string, where: string): string {
    const value = this.local(logicalId, where).attributes[attribute];
    if (value === undefined) {
      const type = this.stack.resources[logicalId]?.Type ?? 'unknown type';
      throw new TemplateError(
        `The local cloud has no ${attribute} attribute for ${logicalId} (${type}), used at ${where}`,
      );
    }
    return value;
  }

  private local(logicalId: string, where: string): LocalResource {
    const resolved = this.resolved.get(logicalId);
    if (resolved) return resolved;
    const resource = this.stack.resources[logicalId];
    if (!resource)
      throw new TemplateError(`${where} refers to ${logicalId}, which is not in the template`);
    throw new TemplateError(
      `${where} refers to ${logicalId} (${resource.Type}), which has no local value`,
    );
  }
}

/** Whether a parameter of this type is a list, which `Ref` gives as one. */
function isListType(type: string | undefined): boolean {
  return type === 'CommaDelimitedList' || (type?.startsWith('List<') ?? false);
}

function splitAtFirstDot(name: string): [string, string] {
  const dot = name.indexOf('.');
  return dot < 0 ? [name, ''] : [name.slice(0, dot), name.slice(dot + 1)];
}

/** The resources of `type`, with their logical ids. */
export function resourcesOfType(
  stack: StackArtifact,
  type: string,
): [logicalId: string, properties: Record<string, unknown>, resource: CfnResource][] {
  return Object.entries(stack.resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}, r]);
}
