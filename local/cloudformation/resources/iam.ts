/**
 * `AWS::IAM::Role`, `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy`: roles and their policies in
 * the local IAM, so that STS lets the right callers assume them and the endpoint evaluates their
 * sessions' calls against what the template grants. Sessions already issued get the new policies.
 */
import type { Role } from '../../iam/roles';
import type { ResourceContext, ResourceHandler } from './handler';
import { generatedName } from './handler';

type Props = Record<string, unknown>;

function refreshSessions(ctx: ResourceContext): void {
  ctx.services.sessions.updateRoles(ctx.services.roles.allPolicies());
}

function putRole(ctx: ResourceContext, name: string, props: Props) {
  const inline = (
    (props.Policies as { PolicyName?: unknown; PolicyDocument?: unknown }[]) ?? []
  ).map((p, i) => [String(p.PolicyName ?? `inline-${i}`), p.PolicyDocument] as const);
  const role: Role = {
    name,
    arn: ctx.services.roles.arnOf(name),
    logicalId: `${ctx.stackName}/${ctx.logicalId}`,
    trust: props.AssumeRolePolicyDocument,
    inline: new Map(inline),
    managedPolicyArns: ((props.ManagedPolicyArns as unknown[]) ?? []).map(String),
  };
  ctx.services.roles.put(role);
  refreshSessions(ctx);
  const roleId = `AROA${Buffer.from(role.arn).toString('hex').slice(0, 17).toUpperCase()}`;
  return { physicalId: name, attributes: { Arn: role.arn, RoleId: roleId } };
}

export const iamRole: ResourceHandler = {
  replaceOn: ['RoleName', 'Path'],
  create(ctx, props) {
    const name = typeof props.RoleName === 'string' ? props.RoleName : generatedName(ctx, 64);
    if (ctx.services.roles.find(ctx.services.roles.arnOf(name)))
      throw new Error(`Role with name ${name} already exists.`);
    return putRole(ctx, name, props);
  },
  update: (ctx, current, props) => putRole(ctx, current.physicalId, props),
  delete(ctx, current) {
    ctx.services.roles.delete(ctx.services.roles.arnOf(current.physicalId));
    refreshSessions(ctx);
  },
};

function attach(ctx: ResourceContext, id: string, name: string, props: Props): void {
  ctx.services.roles.attach(id, {
    name,
    document: props.PolicyDocument,
    roleNames: ((props.Roles as unknown[]) ?? []).map(String),
  });
  refreshSessions(ctx);
}

function detach(ctx: ResourceContext, id: string): void {
  ctx.services.roles.detach(id);
  refreshSessions(ctx);
}

export const iamPolicy: ResourceHandler = {
  create(ctx, props) {
    const id = generatedName(ctx, 128);
    attach(ctx, id, String(props.PolicyName ?? ctx.logicalId), props);
    return { physicalId: id, attributes: { Id: id } };
  },
  update(ctx, current, props) {
    attach(ctx, current.physicalId, String(props.PolicyName ?? ctx.logicalId), props);
    return { physicalId: current.physicalId, attributes: current.attributes };
  },
  delete: (ctx, current) => detach(ctx, current.physicalId),
};

export const iamManagedPolicy: ResourceHandler = {
  replaceOn: ['ManagedPolicyName', 'Path'],
  create(ctx, props) {
    const name =
      typeof props.ManagedPolicyName === 'string'
        ? props.ManagedPolicyName
        : generatedName(ctx, 128);
    const arn = `arn:aws:iam::${ctx.accountId}:policy/${name}`;
    attach(ctx, arn, name, props);
    return { physicalId: arn, attributes: { PolicyArn: arn } };
  },
  update(ctx, current, props) {
    attach(ctx, current.physicalId, current.physicalId.split('/').pop() ?? '', props);
    return { physicalId: current.physicalId, attributes: current.attributes };
  },
  delete: (ctx, current) => detach(ctx, current.physicalId),
};
