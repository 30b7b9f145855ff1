/** `AWS::SSM::Parameter`: a parameter in the local Parameter Store (the bootstrap version). */
import type { Parameter } from '../../ssm/store';
import type { ResourceHandler } from './handler';
import { generatedName } from './handler';

function put(
  name: string,
  props: Record<string, unknown>,
  store: { put: (p: Parameter & { overwrite: boolean }) => number },
) {
  store.put({
    name,
    type: (props.Type as Parameter['type'] | undefined) ?? 'String',
    value: String(props.Value ?? ''),
    version: 0,
    lastModified: new Date(),
    overwrite: true,
    ...(typeof props.Description === 'string' ? { description: props.Description } : {}),
  });
  return {
    physicalId: name,
    attributes: { Type: String(props.Type ?? 'String'), Value: String(props.Value ?? '') },
  };
}

export const ssmParameter: ResourceHandler = {
  replaceOn: ['Name'],
  create(ctx, props) {
    const name = typeof props.Name === 'string' ? props.Name : `CFN-${generatedName(ctx, 60)}`;
    if (ctx.services.parameters.find(name))
      throw new Error(`${name} already exists in stack ${ctx.stackName}`);
    return put(name, props, ctx.services.parameters);
  },
  update: (ctx, current, props) => put(current.physicalId, props, ctx.services.parameters),
  delete(ctx, current) {
    if (ctx.services.parameters.find(current.physicalId))
      ctx.services.parameters.delete(current.physicalId);
  },
};
