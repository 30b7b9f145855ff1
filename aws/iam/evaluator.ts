/**
 * A small IAM identity-policy evaluator for what CDK templates and the CDK bootstrap roles grant:
 * Allow and Deny statements with `Action` and `Resource` (strings or lists, `*` and `?` wildcards)
 * and the `Condition` operators of `conditions.ts`. Anything else a statement may hold
 * (`NotAction`, `NotResource`, `Principal`, another condition operator) or a managed policy whose
 * text the local cloud does not carry makes every call of that role fail closed, with the reason
 * in the denial, instead of being silently allowed.
 *
 * No npm evaluator fits: the maintained one (`@cloud-copilot/iam-simulate`) is AGPL-3.0.
 */

import {
  type ConditionBlock,
  conditionsHold,
  type RequestContext,
  resourceAccount,
} from './conditions';
import { wildcardMatch } from './match';

export { wildcardMatch } from './match';

/** One statement as the evaluator understands it. */
export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** Its `Condition` block, values as lists. @default none */
  readonly condition?: ConditionBlock;
}

/** A policy attached to a role, with where it came from (for messages). */
export interface RolePolicy {
  /** Policy name or logical id. */
  readonly name: string;
  readonly statements: readonly PolicyStatement[];
}

/** An execution role and everything that grants it permissions. */
export interface RolePolicies {
  readonly logicalId: string;
  /** The role's name (its `Ref`). */
  readonly name: string;
  readonly arn: string;
  readonly policies: readonly RolePolicy[];
  /** Why the role's policies cannot be evaluated, if they cannot; its calls are then all denied. */
  readonly unsupported: readonly string[];
}

/** How a request was decided. */
export type Decision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** `implicit`: no statement allows; `explicit`: a Deny matched; `unsupported`: fail closed. */
      readonly reason: 'implicit' | 'explicit' | 'unsupported';
      readonly detail?: string;
    };

function matches(
  statement: PolicyStatement,
  action: string,
  resource: string,
  context: RequestContext,
): boolean {
  return (
    statement.actions.some((a) => wildcardMatch(a, action, true)) &&
    statement.resources.some((r) => wildcardMatch(r, resource, false)) &&
    conditionsHold(statement.condition, context)
  );
}

/**
 * Decides one request (`action` like `sqs:SendMessage` on `resource`, an ARN) for `role`, as IAM
 * does for identity-based policies: an explicit Deny wins, then any Allow, else implicitly denied.
 */
export function evaluate(
  role: RolePolicies,
  action: string,
  resource: string,
  context: RequestContext = requestContext(role, resource),
): Decision {
  if (role.unsupported.length > 0) {
    return { allowed: false, reason: 'unsupported', detail: role.unsupported.join('; ') };
  }
  let allowed = false;
  for (const policy of role.policies) {
    for (const statement of policy.statements) {
      if (!matches(statement, action, resource, context)) continue;
      if (statement.effect === 'Deny') return { allowed: false, reason: 'explicit' };
      allowed = true;
    }
  }
  return allowed ? { allowed: true } : { allowed: false, reason: 'implicit' };
}

/** The condition keys a request by `role` on `resource` carries: the accounts involved. */
export function requestContext(role: RolePolicies, resource: string): RequestContext {
  const principalAccount = role.arn.split(':')[4] ?? '';
  const account = resourceAccount(resource, principalAccount);
  return {
    'aws:PrincipalAccount': principalAccount,
    'aws:ResourceAccount': account,
    's3:ResourceAccount': resource.startsWith('arn:aws:s3:') ? account : undefined,
  };
}

/**
 * The message AWS gives for a denied call by an assumed role session, e.g. "User:
 * arn:aws:sts::000000000000:assumed-role/ROLE/FUNCTION is not authorized to perform:
 * sqs:SendMessage on resource: ARN because no identity-based policy allows the sqs:SendMessage
 * action".
 */
export function denialMessage(
  principalArn: string,
  action: string,
  resource: string,
  decision: Exclude<Decision, { allowed: true }>,
): string {
  const head = `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource}`;
  switch (decision.reason) {
    case 'explicit':
      return `${head} with an explicit deny in an identity-based policy`;
    case 'unsupported':
      return `${head} because the local cloud cannot evaluate this role's policies (${decision.detail}) and fails closed`;
    default:
      return `${head} because no identity-based policy allows the ${action} action`;
  }
}
