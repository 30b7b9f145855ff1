/**
 * STS on the endpoint: GetCallerIdentity, which names who signed the call, and AssumeRole, which
 * issues a session of a role CloudFormation created when its trust policy allows the caller.
 */
import type { RoleRegistry } from '../iam/roles';
import type { RoleSessions } from '../iam/sessions';
import { trusts } from '../iam/trust';
import type { Call, ServiceHandler } from './call';
import { sendXmlError, sendXmlResult } from './protocol';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
/** How long assumed-role credentials say they last (they do not expire locally). */
const SESSION_SECONDS = 3600;

/** What AssumeRole needs: the account's roles, and the registry that issues sessions. */
export interface StsRoles {
  readonly roles: RoleRegistry;
  readonly sessions: RoleSessions;
}

/**
 * STS on the endpoint. GetCallerIdentity names the role session that signed the call, or the
 * account root for any other credentials (which act as administrator); like AWS, it needs no
 * permission. AssumeRole needs `roles`; without it, it is refused as unsupported.
 */
export function stsService(accountId: string, iam?: StsRoles): ServiceHandler {
  return (call: Call) => {
    if (call.action === 'GetCallerIdentity') {
      const session = call.session;
      return sendXmlResult(call.res, NS, call.action, {
        UserId: session?.userId ?? accountId,
        Account: accountId,
        Arn: session?.principalArn ?? `arn:aws:iam::${accountId}:root`,
      });
    }
    if (call.action === 'AssumeRole' && iam) return assumeRole(call, accountId, iam);
    const message = `The local cloud does not support the STS action ${call.action}`;
    sendXmlError(call.res, 400, 'InvalidAction', message, NS);
  };
}

function assumeRole(call: Call, accountId: string, { roles, sessions }: StsRoles): void {
  const params = call.query ?? new URLSearchParams();
  const roleArn = params.get('RoleArn') ?? '';
  const sessionName = params.get('RoleSessionName') ?? 'session';
  const role = roles.find(roleArn);
  const caller = call.session?.principalArn ?? `arn:aws:iam::${accountId}:root`;
  if (!role || !trusts(role.trust, accountId, params.get('ExternalId') ?? undefined)) {
    const message = `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
    sendXmlError(call.res, 403, 'AccessDenied', message, NS);
    return;
  }
  const session = sessions.issue(roles.policiesOf(role), sessionName);
  const expiration = new Date(Date.now() + SESSION_SECONDS * 1000).toISOString();
  sendXmlResult(call.res, NS, call.action, {
    Credentials: { ...credentialsXml(session.credentials), Expiration: expiration },
    AssumedRoleUser: { AssumedRoleId: session.userId, Arn: session.principalArn },
  });
}

function credentialsXml(c: { accessKeyId: string; secretAccessKey: string; sessionToken: string }) {
  return {
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    SessionToken: c.sessionToken,
  };
}
