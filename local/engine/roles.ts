/**
 * The role sessions the template's principals run with: each function's execution role and each
 * schedule's role, issued by the endpoint's session registry so it evaluates their calls.
 */
import { LOCAL_ACCOUNT_ID } from '../../aws/defaults';
import type { RolePolicies } from '../../aws/iam/evaluator';
import { roleLogicalId, rolePolicies } from '../../aws/iam/policies';
import type { IntrinsicResolver, StackArtifact } from '../../aws/template';
import type { RoleSession, RoleSessions } from '../iam/sessions';
import type { FunctionSpec } from '../lambda/runtime';

/** Issues the session of the role a template property names. */
export type SessionOf = (roleProperty: unknown, sessionName: string, where: string) => RoleSession;

/** Logs a line of the cloud's own diagnostics. */
export type Diagnostic = (fields: Record<string, unknown>) => void;

/**
 * Reads the template's roles and returns how to issue their sessions. A role whose policies the
 * cloud cannot evaluate denies every call; with IAM enforced that is worth a warning at start.
 */
export function roleSessions(
  stack: StackArtifact,
  resolver: IntrinsicResolver,
  sessions: RoleSessions,
  warn: Diagnostic | undefined,
): SessionOf {
  const roles = rolePolicies(stack, resolver, LOCAL_ACCOUNT_ID);
  for (const role of roles.values()) {
    if (role.unsupported.length === 0) continue;
    warn?.({
      level: 'WARN',
      message: 'Every call with this role is denied: the local cloud cannot evaluate its policies',
      role: role.logicalId,
      reasons: role.unsupported,
    });
  }
  return (roleProperty, sessionName, where) => {
    const roleId = roleLogicalId(roleProperty);
    const role: RolePolicies = roles.get(roleId ?? '') ?? {
      logicalId: roleId ?? where,
      name: roleId ?? where,
      arn: String(roleProperty),
      policies: [],
      unsupported: [`${where} uses a role from outside the template`],
    };
    return sessions.issue(role, sessionName);
  };
}

/** Each function's execution role session, by function name. */
export function functionSessions(
  stack: StackArtifact,
  specs: readonly FunctionSpec[],
  sessionOf: SessionOf,
): Map<string, RoleSession> {
  return new Map(
    specs.map((spec) => [
      spec.name,
      sessionOf(
        stack.resources[spec.logicalId]?.Properties?.Role,
        spec.name,
        `${spec.logicalId}.Role`,
      ),
    ]),
  );
}
