/** `AWS::Logs::LogGroup`: a group in the local CloudWatch Logs, where a function's lines go. */
import { appServices, generatedName, type ResourceContext, type ResourceHandler } from './handler';

function provisioned(ctx: ResourceContext, name: string) {
  return {
    physicalId: name,
    attributes: { Arn: `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${name}:*` },
  };
}

export const logGroup: ResourceHandler = {
  replaceOn: ['LogGroupName'],
  create(ctx, props) {
    const name =
      typeof props.LogGroupName === 'string' ? props.LogGroupName : generatedName(ctx, 512);
    appServices(ctx).logs.createGroup(name);
    return provisioned(ctx, name);
  },
  update: (ctx, current) => provisioned(ctx, current.physicalId),
  // The group's events stay readable, as a retained group's do; nothing else refers to it.
  delete() {},
};
