/**
 * The IAM policies of a template's roles, as the evaluator reads them: inline policies, the
 * `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy` resources that name a role, and the AWS managed
 * policies CDK attaches, with intrinsics resolved to local ARNs.
 */
import {
  type IntrinsicResolver,
  resourcesOfType,
  type StackArtifact,
  TemplateError,
} from '../template';
import { type ConditionBlock, knownOperator } from './conditions';
import type { PolicyStatement, RolePolicies, RolePolicy } from './evaluator';

const LOGS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'];
/**
 * The AWS managed policies CDK attaches to Lambda execution roles, as AWS publishes them (IAM
 * console, "AWS managed policies" reference). Any other managed policy fails closed.
 */
const AWS_MANAGED_POLICIES: Record<string, PolicyStatement[]> = {
  'service-role/AWSLambdaBasicExecutionRole': [
    { effect: 'Allow', actions: LOGS, resources: ['*'] },
  ],
  'service-role/AWSLambdaSQSQueueExecutionRole': [
    {
      effect: 'Allow',
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', ...LOGS],
      resources: ['*'],
    },
  ],
  AdministratorAccess: [{ effect: 'Allow', actions: ['*'], resources: ['*'] }],
  AWSCloudFormationReadOnlyAccess: [
    {
      effect: 'Allow',
      actions: [
        'cloudformation:Describe*',
        'cloudformation:EstimateTemplateCost',
        'cloudformation:Get*',
        'cloudformation:List*',
        'cloudformation:ValidateTemplate',
        'cloudformation:Detect*',
      ],
      resources: ['*'],
    },
  ],
  // The CDK lookup role's. AWS's text lists each service's read actions; the read verbs stand in.
  ReadOnlyAccess: [
    {
      effect: 'Allow',
      actions: [
        '*:Describe*',
        '*:Get*',
        '*:List*',
        '*:BatchGet*',
        '*:Query',
        '*:Scan',
        '*:Lookup*',
        // What `cdk watch` tails the functions' logs with.
        'logs:FilterLogEvents',
        'logs:StartQuery',
        'logs:StopQuery',
        'logs:TestMetricFilter',
      ],
      resources: ['*'],
    },
  ],
  AWSXRayDaemonWriteAccess: [
    {
      effect: 'Allow',
      actions: [
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        'xray:GetSamplingStatisticSummaries',
      ],
      resources: ['*'],
    },
  ],
};

/** Statement keys the evaluator understands; any other makes the role fail closed. */
const UNDERSTOOD_KEYS = new Set(['Sid', 'Effect', 'Action', 'Resource', 'Condition']);

/**
 * Collects every role of the template with the policies that grant it permissions: its inline
 * `Policies`, and each `AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy` that names it in `Roles`,
 * with intrinsics resolved to local ARNs. Call it once the queues, tables and functions have their
 * local values. Statements the evaluator cannot judge are recorded in `unsupported`, never dropped.
 */
export function rolePolicies(
  stack: StackArtifact,
  resolver: IntrinsicResolver,
  accountId: string,
): Map<string, RolePolicies> {
  const roles = new Map<
    string,
    { name: string; arn: string; policies: RolePolicy[]; unsupported: string[] }
  >();
  for (const [logicalId, props] of resourcesOfType(stack, 'AWS::IAM::Role')) {
    const name = resolver.string({ Ref: logicalId }, `${logicalId}.Ref`);
    const role = {
      name,
      arn: `arn:aws:iam::${accountId}:role/${name}`,
      policies: [] as RolePolicy[],
      unsupported: [] as string[],
    };
    roles.set(logicalId, role);
    const inline = (props.Policies as { PolicyName?: unknown; PolicyDocument?: unknown }[]) ?? [];
    for (const [i, policy] of inline.entries()) {
      const where = `${logicalId}.Policies[${i}]`;
      const policyName = resolver.string(policy.PolicyName ?? `inline-${i}`, `${where}.PolicyName`);
      role.policies.push(
        parseDocument(resolver.resolve(policy.PolicyDocument, where), policyName, role.unsupported),
      );
    }
    const managed = (resolver.resolve(props.ManagedPolicyArns ?? [], logicalId) as string[]) ?? [];
    for (const arn of managed) {
      // Customer policies of this template are attached through their own `Roles`, below.
      if (arn.startsWith(`arn:aws:iam::${accountId}:`)) continue;
      const known = awsManagedPolicy(arn);
      if (known) role.policies.push(known);
      else role.unsupported.push(`managed policy ${arn}, whose text the template does not hold`);
    }
  }
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [logicalId, props] of resourcesOfType(stack, type)) {
      const targets = (props.Roles as unknown[] | undefined) ?? [];
      const policyName = props.PolicyName
        ? resolver.string(props.PolicyName, `${logicalId}.PolicyName`)
        : logicalId;
      for (const target of targets) {
        const roleId = refOf(target);
        const role = roleId ? roles.get(roleId) : undefined;
        if (!role) {
          throw new TemplateError(
            `${logicalId}: attached to ${JSON.stringify(target)}, which is not a role of this template`,
          );
        }
        const document = resolver.resolve(props.PolicyDocument, `${logicalId}.PolicyDocument`);
        role.policies.push(parseDocument(document, policyName, role.unsupported));
      }
    }
  }
  return new Map(
    [...roles].map(([logicalId, role]) => [
      logicalId,
      { logicalId, ...role } satisfies RolePolicies,
    ]),
  );
}

/** An AWS managed policy by ARN, if the evaluator knows its text. */
export function awsManagedPolicy(arn: string): RolePolicy | undefined {
  const statements = AWS_MANAGED_POLICIES[arn.replace(/^arn:aws[^:]*:iam::aws:policy\//, '')];
  return statements ? { name: arn, statements } : undefined;
}

/**
 * The logical id of the role a property names (`Fn::GetAtt: [Role, Arn]` or `Ref: Role`), or
 * undefined when it names a role from outside the template.
 */
export function roleLogicalId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
    if (typeof getAtt === 'string') return getAtt.split('.')[0];
  }
  return refOf(value);
}

function refOf(value: unknown): string | undefined {
  const ref = value && typeof value === 'object' ? (value as { Ref?: unknown }).Ref : undefined;
  return typeof ref === 'string' ? ref : undefined;
}

const strings = (value: unknown) =>
  (Array.isArray(value) ? value : [value])
    .filter((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    .map(String);

/**
 * A statement's Condition block as the evaluator reads it: undefined when there is none, null
 * (recorded in `unsupported`) when it uses an operator the evaluator does not know.
 */
function parseCondition(
  value: unknown,
  where: string,
  unsupported: string[],
): ConditionBlock | undefined | null {
  if (value === undefined) return undefined;
  const entries = Object.entries((value ?? {}) as Record<string, Record<string, unknown>>);
  const unknown = entries.map(([operator]) => operator).filter((o) => !knownOperator(o));
  if (unknown.length > 0) {
    unsupported.push(`${where} uses the condition operator ${unknown.join(', ')}`);
    return null;
  }
  return Object.fromEntries(
    entries.map(([operator, keys]) => [
      operator,
      Object.fromEntries(Object.entries(keys ?? {}).map(([k, v]) => [k, strings(v)])),
    ]),
  );
}

/**
 * A policy document as the evaluator reads it. Statements it cannot judge are recorded in
 * `unsupported` (which makes the role fail closed), never dropped.
 */
export function parseDocument(document: unknown, name: string, unsupported: string[]): RolePolicy {
  const raw = (document as { Statement?: unknown } | undefined)?.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const statements: PolicyStatement[] = [];
  for (const [i, item] of list.entries()) {
    const statement = item as Record<string, unknown>;
    const where = `statement ${i} of ${name}`;
    const unknownKeys = Object.keys(statement).filter((k) => !UNDERSTOOD_KEYS.has(k));
    if (unknownKeys.length > 0) {
      unsupported.push(`${where} uses ${unknownKeys.join(', ')}`);
      continue;
    }
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
      unsupported.push(`${where} has Effect ${JSON.stringify(statement.Effect)}`);
      continue;
    }
    const condition = parseCondition(statement.Condition, where, unsupported);
    if (condition === null) continue;
    statements.push({
      effect: statement.Effect,
      actions: strings(statement.Action),
      resources: strings(statement.Resource),
      ...(condition ? { condition } : {}),
    });
  }
  return { name, statements };
}
