/**
 * The IAM roles CloudFormation created on the local cloud (the CDK bootstrap roles, a stack's
 * roles), with what grants them permissions and who may assume them. STS's AssumeRole reads the
 * trust policies here, and sessions of these roles are evaluated against their policies.
 */

import type { RolePolicies, RolePolicy } from '../../aws/iam/evaluator';
import { awsManagedPolicy, parseDocument } from '../../aws/iam/policies';

/** A role as IAM holds it. */
export interface Role {
  readonly name: string;
  readonly arn: string;
  /** The stack resource that made it, for messages and session naming. */
  readonly logicalId: string;
  /** Its trust policy (`AssumeRolePolicyDocument`), resolved. */
  readonly trust: unknown;
  /** Inline policies by name, resolved. */
  readonly inline: ReadonlyMap<string, unknown>;
  readonly managedPolicyArns: readonly string[];
}

/** A policy attached to roles by name (`AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`). */
interface Attachment {
  readonly name: string;
  readonly document: unknown;
  readonly roleNames: readonly string[];
}

/** The roles of the account, by ARN, and the policies attached to them. */
export class RoleRegistry {
  private readonly roles = new Map<string, Role>();
  private readonly attachments = new Map<string, Attachment>();

  constructor(private readonly accountId: string) {}

  /** The ARN of the role named `name` in this account. */
  arnOf(name: string): string {
    return `arn:aws:iam::${this.accountId}:role/${name}`;
  }

  put(role: Role): void {
    this.roles.set(role.arn, role);
  }

  delete(arn: string): void {
    this.roles.delete(arn);
  }

  find(arn: string): Role | undefined {
    return this.roles.get(arn);
  }

  /** Attaches a policy, under `id` (its ARN or physical id), to the roles it names. */
  attach(id: string, attachment: Attachment): void {
    this.attachments.set(id, attachment);
  }

  detach(id: string): void {
    this.attachments.delete(id);
  }

  /** Everything that grants `role` permissions, as the evaluator reads it. */
  policiesOf(role: Role): RolePolicies {
    const unsupported: string[] = [];
    const policies: RolePolicy[] = [...role.inline].map(([name, document]) =>
      parseDocument(document, name, unsupported),
    );
    for (const arn of role.managedPolicyArns) {
      const attached = this.attachments.get(arn);
      const known = attached ? undefined : awsManagedPolicy(arn);
      if (known) policies.push(known);
      else if (!attached)
        unsupported.push(`managed policy ${arn}, whose text the local cloud does not hold`);
    }
    for (const attachment of this.attachments.values()) {
      if (!attachment.roleNames.includes(role.name)) continue;
      policies.push(parseDocument(attachment.document, attachment.name, unsupported));
    }
    return { logicalId: role.logicalId, name: role.name, arn: role.arn, policies, unsupported };
  }

  /** Every role's policies, by logical id, for refreshing the sessions already issued. */
  allPolicies(): Map<string, RolePolicies> {
    return new Map([...this.roles.values()].map((r) => [r.logicalId, this.policiesOf(r)]));
  }
}
