/**
 * The role sessions of the local cloud: the credentials each function or schedule calls with, and
 * how the endpoint tells from a call's access key whose policies apply.
 */
import { createHash } from 'node:crypto';
import type { RolePolicies } from '../../aws/iam/evaluator';

/** Credentials as Lambda hands them to a function (`AWS_ACCESS_KEY_ID`, ...). */
export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** Who is calling: a role session (a function's or a schedule's), evaluated against its role. */
export interface RoleSession {
  readonly role: RolePolicies;
  /** The session name: the function's name, as Lambda names its sessions. */
  readonly sessionName: string;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, the principal in denial messages. */
  readonly principalArn: string;
  /** `AROA...:SESSION`, what GetCallerIdentity calls the UserId. */
  readonly userId: string;
  readonly credentials: SessionCredentials;
}

/**
 * Issues one set of credentials per role session and recognises them on the endpoint, the way
 * Lambda gives each function its execution role's session: the access key id is what the SigV4
 * signature carries, so it identifies the role. Other access keys are not sessions (administrator).
 */
export class RoleSessions {
  private readonly byAccessKey = new Map<string, RoleSession>();

  constructor(private readonly accountId: string) {}

  /** The session of `role` named `sessionName`, issuing its credentials on first use. */
  issue(role: RolePolicies, sessionName: string): RoleSession {
    const digest = createHash('sha256').update(`${role.logicalId}/${sessionName}`).digest('hex');
    const accessKeyId = `ASIA${digest.slice(0, 16).toUpperCase()}`;
    const existing = this.byAccessKey.get(accessKeyId);
    if (existing) return existing;
    const session: RoleSession = {
      role,
      sessionName,
      principalArn: `arn:aws:sts::${this.accountId}:assumed-role/${role.name}/${sessionName}`,
      userId: `AROA${digest.slice(16, 32).toUpperCase()}:${sessionName}`,
      credentials: {
        accessKeyId,
        secretAccessKey: digest.slice(32, 72),
        sessionToken: `local-session/${role.name}/${sessionName}`,
      },
    };
    this.byAccessKey.set(accessKeyId, session);
    return session;
  }

  /**
   * Gives every session of a role in `roles` (by logical id) that role's new policies, as an IAM
   * policy update reaches sessions already issued; credentials stay the same.
   */
  updateRoles(roles: ReadonlyMap<string, RolePolicies>): void {
    for (const [key, session] of this.byAccessKey) {
      const role = roles.get(session.role.logicalId);
      if (role) this.byAccessKey.set(key, { ...session, role });
    }
  }

  /** The session these credentials belong to, or undefined for anyone else. */
  lookup(accessKeyId: string | undefined): RoleSession | undefined {
    return accessKeyId === undefined ? undefined : this.byAccessKey.get(accessKeyId);
  }
}

/**
 * The caller of an unsigned request from a web browser: a principal without any policy, so each
 * service denies it as AWS denies an anonymous call. Credentials that are not a role session's act
 * as administrator, but never for a browser: a page cannot be trusted to be the person's.
 */
export const ANONYMOUS_SESSION: RoleSession = {
  role: { logicalId: 'anonymous', name: 'anonymous', arn: '', policies: [], unsupported: [] },
  sessionName: 'anonymous',
  principalArn: 'anonymous',
  userId: 'anonymous',
  credentials: { accessKeyId: '', secretAccessKey: '', sessionToken: '' },
};
