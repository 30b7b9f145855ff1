/**
 * `inspect --iam`: the permissions each role of the stack needs against those its policies grant,
 * for any target. The template comes from CloudFormation GetTemplate (AWS, LocalStack and the
 * local cloud's endpoint all serve it) and each resource's physical id from ListStackResources,
 * so the ARNs are the deployed ones.
 *
 * "Needed" is what runs with each role (iam-needs.ts). "Granted" is decided by the IAM evaluator
 * the local cloud enforces (`aws/iam/`): ops imports it rather than copy it, so the table and the
 * enforcement cannot disagree. The evaluator and the template resolver are pure code (no
 * emulator, no server). iam-format.ts prints the table.
 */
import {
  CloudFormationClient,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { LOCAL_ACCOUNT_ID } from '../aws/defaults';
import { evaluate, type RolePolicies, wildcardMatch } from '../aws/iam/evaluator';
import { rolePolicies } from '../aws/iam/policies';
import {
  type CfnResource,
  IntrinsicResolver,
  type LocalResource,
  type StackArtifact,
} from '../aws/template';
import { type ExcessGrant, excessGrants } from './iam-excess';
import { neededPermissions } from './iam-needs';
import { type Target, TargetError } from './target';

/** One needed permission of one role, and whether the role's policies grant it. */
export interface IamRow {
  /** The role's logical id. */
  readonly role: string;
  /** Who uses the role: a function's or a schedule's name. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Why it is needed: `code (REQUEST_QUEUE_URL)`, `poller`, `on-failure destination`, ... */
  readonly neededBy: string[];
  readonly granted: boolean;
  /** Why not, when not: no statement allows it, a Deny, or a policy the evaluator cannot read. */
  readonly denial?: string;
  /** When granted more broadly than needed: the pattern that grants it (`Resource *`, `Action sqs:*`). */
  readonly broad?: string;
}

/** Needed vs granted permissions of every role of a stack. */
export interface IamReport {
  readonly target: string;
  readonly rows: IamRow[];
  /** Rows not granted. */
  readonly missing: number;
  /** What the roles' policies grant that nothing needs. */
  readonly excess: ExcessGrant[];
}

/** A CloudFormation template, as far as the table reads it. */
export interface Template {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown }>;
  readonly Parameters?: Record<string, { Default?: unknown }>;
}

/** Reads the target's template and resources and builds the table. */
export async function iamReport(target: Target): Promise<IamReport> {
  const cloudformation = new CloudFormationClient(target.clientConfig('cloudformation'));
  try {
    const { TemplateBody } = await cloudformation.send(
      new GetTemplateCommand({ StackName: target.stackName, TemplateStage: 'Original' }),
    );
    let template: Template;
    try {
      template = JSON.parse(TemplateBody ?? '') as Template;
    } catch {
      throw new TargetError(
        `The template of ${target.stackName} is not JSON (a YAML template?); inspect --iam reads the JSON templates CDK deploys`,
      );
    }
    const physicalIds = new Map<string, string>();
    let token: string | undefined;
    do {
      const page = await cloudformation.send(
        new ListStackResourcesCommand({ StackName: target.stackName, NextToken: token }),
      );
      for (const r of page.StackResourceSummaries ?? []) {
        if (r.LogicalResourceId && r.PhysicalResourceId)
          physicalIds.set(r.LogicalResourceId, r.PhysicalResourceId);
      }
      token = page.NextToken;
    } while (token);
    const { rows, excess } = iamTable(template, physicalIds, {
      stackName: target.stackName,
      region: target.region,
      accountId: accountOf(physicalIds, template) ?? LOCAL_ACCOUNT_ID,
    });
    return {
      target: target.description,
      rows,
      missing: rows.filter((r) => !r.granted).length,
      excess,
    };
  } finally {
    cloudformation.destroy();
  }
}

/** The account of the stack, from a queue URL (`https://host/ACCOUNT/NAME`) among its resources. */
function accountOf(physicalIds: Map<string, string>, template: Template): string | undefined {
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::SQS::Queue') continue;
    const account = physicalIds.get(logicalId)?.split('/').at(-2);
    if (account && /^\d{12}$/.test(account)) return account;
  }
  return undefined;
}

/** Where a template is deployed: its stack, region and account. */
type Deployment = { stackName: string; region: string; accountId: string };

/**
 * The table for a template whose resources have these physical ids: every permission each role
 * needs, decided against the role's policies. Pure: no call leaves the process.
 */
export function iamRows(
  template: Template,
  physicalIds: ReadonlyMap<string, string>,
  env: Deployment,
): IamRow[] {
  return iamTable(template, physicalIds, env).rows;
}

/** The table's rows, and the grants that no row needs. Pure, as {@link iamRows}. */
export function iamTable(
  template: Template,
  physicalIds: ReadonlyMap<string, string>,
  env: Deployment,
): { rows: IamRow[]; excess: ExcessGrant[] } {
  const stack: StackArtifact = {
    stackName: env.stackName,
    assemblyDir: '',
    resources: template.Resources ?? {},
    outputs: template.Outputs ?? {},
    parameters: template.Parameters ?? {},
  };
  const locals = deployedValues(stack, physicalIds, env);
  const resolver = new IntrinsicResolver(stack, locals, env);
  const roles = rolePolicies(stack, resolver, env.accountId);
  const needs = neededPermissions(stack, locals, resolver, env);
  const rows = needs
    .map((n): IamRow => {
      const role = roles.get(n.role);
      const decision = role
        ? evaluate(role, n.action, n.resource)
        : ({
            allowed: false,
            reason: 'unsupported',
            detail: 'a role from outside the template',
          } as const);
      const base = {
        role: n.role,
        principal: n.principal,
        action: n.action,
        resource: n.resource,
        neededBy: n.by,
      };
      if (!decision.allowed) {
        const denial =
          decision.reason === 'explicit'
            ? 'explicitly denied'
            : decision.reason === 'unsupported'
              ? `cannot evaluate: ${decision.detail ?? ''}`
              : 'no statement allows it';
        return { ...base, granted: false, denial };
      }
      const broad = role ? broadGrant(role, n.action, n.resource) : undefined;
      return { ...base, granted: true, ...(broad ? { broad } : {}) };
    })
    .sort(
      (a, b) =>
        a.role.localeCompare(b.role) ||
        a.action.localeCompare(b.action) ||
        a.resource.localeCompare(b.resource),
    );
  return { rows, excess: excessGrants(roles, needs) };
}

/**
 * The wildcard an allowing statement grants this with, when every statement that allows it is
 * broader than the need: `Resource *` for a specific resource, or an action pattern like `sqs:*`.
 */
function broadGrant(role: RolePolicies, action: string, resource: string): string | undefined {
  let broad: string | undefined;
  for (const policy of role.policies) {
    for (const s of policy.statements) {
      if (s.effect !== 'Allow') continue;
      const a = s.actions.find((p) => wildcardMatch(p, action, true));
      const r = s.resources.find((p) => wildcardMatch(p, resource, false));
      if (!a || !r) continue;
      const wideResource = r === '*' && resource !== '*';
      const wideAction = a.includes('*');
      if (!wideResource && !wideAction) return undefined;
      broad ??= [wideAction ? `Action ${a}` : '', wideResource ? 'Resource *' : '']
        .filter(Boolean)
        .join(', ');
    }
  }
  return broad;
}

/**
 * Each resource's `Ref` and `Fn::GetAtt` values on the deployed stack, from its physical id: a
 * queue's URL and ARN, a table's name and ARN, and so on, in the target's region and account.
 */
function deployedValues(
  stack: StackArtifact,
  physicalIds: ReadonlyMap<string, string>,
  env: { region: string; accountId: string },
): Map<string, LocalResource> {
  const { region, accountId } = env;
  const values = new Map<string, LocalResource>();
  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    const physical = physicalIds.get(logicalId) ?? logicalId;
    const last = physical.split('/').at(-1) ?? physical;
    const arn = (service: string, path: string) =>
      `arn:aws:${service}:${service === 'iam' ? '' : region}:${accountId}:${path}`;
    const byType: Record<string, () => LocalResource> = {
      'AWS::SQS::Queue': () => ({
        ref: physical,
        attributes: { Arn: arn('sqs', last), QueueName: last, QueueUrl: physical },
      }),
      'AWS::DynamoDB::Table': () => ({
        ref: physical,
        attributes: {
          Arn: arn('dynamodb', `table/${physical}`),
          StreamArn: arn('dynamodb', `table/${physical}/stream/*`),
        },
      }),
      'AWS::Lambda::Function': () => ({
        ref: physical,
        attributes: { Arn: arn('lambda', `function:${physical}`) },
      }),
      'AWS::IAM::Role': () => ({
        ref: physical,
        attributes: { Arn: arn('iam', `role/${physical}`), RoleId: physical },
      }),
      'AWS::Logs::LogGroup': () => ({
        ref: physical,
        attributes: { Arn: arn('logs', `log-group:${physical}:*`) },
      }),
      'AWS::Scheduler::Schedule': () => ({
        ref: physical,
        attributes: { Arn: arn('scheduler', `schedule/default/${physical}`) },
      }),
      'AWS::SNS::Topic': () => ({
        ref: physical,
        attributes: { TopicArn: physical, TopicName: physical.split(':').at(-1) ?? physical },
      }),
    };
    values.set(
      logicalId,
      byType[resource.Type]?.() ?? {
        ref: physical,
        attributes: { Arn: physical.startsWith('arn:') ? physical : arn('local', physical) },
      },
    );
  }
  return values;
}
