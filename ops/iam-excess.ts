/**
 * Grants no need uses: each action and resource an Allow statement of a role's policies names that
 * no permission the role needs (iam-needs.ts) falls under. `inspect --iam` lists them beside the
 * missing ones, so a role holds what its users call and nothing else.
 */
import { type RolePolicies, wildcardMatch } from '../aws/iam/evaluator';
import type { Need } from './iam-needs';

/** An action on a resource that a role's policy allows and nothing running with the role needs. */
export interface ExcessGrant {
  /** The role's logical id. */
  readonly role: string;
  /** The policy that grants it. */
  readonly policy: string;
  /** The action as the statement writes it (`sqs:GetQueueUrl`, or a pattern like `sqs:*`). */
  readonly action: string;
  /** The resource as the statement writes it, resolved (an ARN, a pattern, or `*`). */
  readonly resource: string;
}

/**
 * Every action/resource pair an Allow statement grants that no need of the same role falls under.
 * Conditions are not read: a grant under a condition is still a grant.
 */
export function excessGrants(
  roles: ReadonlyMap<string, RolePolicies>,
  needs: readonly Need[],
): ExcessGrant[] {
  const excess: ExcessGrant[] = [];
  for (const [role, { policies }] of roles) {
    const own = needs.filter((n) => n.role === role);
    for (const policy of policies) {
      for (const statement of policy.statements) {
        if (statement.effect !== 'Allow') continue;
        for (const action of statement.actions) {
          for (const resource of statement.resources) {
            const used = own.some(
              (n) =>
                wildcardMatch(action, n.action, true) && wildcardMatch(resource, n.resource, false),
            );
            if (!used) excess.push({ role, policy: policy.name, action, resource });
          }
        }
      }
    }
  }
  return excess.sort(
    (a, b) =>
      a.role.localeCompare(b.role) ||
      a.action.localeCompare(b.action) ||
      a.resource.localeCompare(b.resource),
  );
}
