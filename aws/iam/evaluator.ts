/**
 * A small IAM identity-policy evaluator for what CDK templates grant: Allow and Deny statements
 * with `Action` and `Resource` (strings or lists, `*` and `?` wildcards). Anything else a statement
 * may hold (`Condition`, `NotAction`, `NotResource`, `Principal`) or a managed policy whose text
 * the template does not carry makes every call of that role fail closed, with the reason in the
 * denial, instead of being silently allowed.
 *
 * No npm evaluator fits: the maintained one (`@cloud-copilot/iam-simulate`) is AGPL-3.0.
 */

/** One statement as the evaluator understands it. */
export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
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

const patternCache = new Map<string, RegExp>();

/** IAM wildcard match: `*` any run of characters, `?` one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) {
    return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  }
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = patternCache.get(key);
  if (!regex) {
    const source = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    patternCache.set(key, regex);
  }
  return regex.test(value);
}

function matches(statement: PolicyStatement, action: string, resource: string): boolean {
  return (
    statement.actions.some((a) => wildcardMatch(a, action, true)) &&
    statement.resources.some((r) => wildcardMatch(r, resource, false))
  );
}

/**
 * Decides one request (`action` like `sqs:SendMessage` on `resource`, an ARN) for `role`, as IAM
 * does for identity-based policies: an explicit Deny wins, then any Allow, else implicitly denied.
 */
export function evaluate(role: RolePolicies, action: string, resource: string): Decision {
  if (role.unsupported.length > 0) {
    return { allowed: false, reason: 'unsupported', detail: role.unsupported.join('; ') };
  }
  let allowed = false;
  for (const policy of role.policies) {
    for (const statement of policy.statements) {
      if (!matches(statement, action, resource)) continue;
      if (statement.effect === 'Deny') return { allowed: false, reason: 'explicit' };
      allowed = true;
    }
  }
  return allowed ? { allowed: true } : { allowed: false, reason: 'implicit' };
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
