/**
 * SSM on the endpoint (AWS JSON 1.1): the Parameter Store calls the CDK CLI and CloudFormation make.
 * GetParameter(s), PutParameter, DeleteParameter and GetParametersByPath; role sessions need the
 * `ssm:` permission on the parameter, as on AWS.
 */
import { type Parameter, ParameterError, type ParameterStore } from '../ssm/store';
import { type Call, denial, type ServiceHandler } from './call';
import { sendJson, sendJsonError } from './protocol';

type Body = Record<string, unknown>;
type Action = (store: ParameterStore, body: Body, arn: (name: string) => string) => unknown;

const ACTIONS: Record<string, Action> = {
  GetParameter: (store, body, arn) => ({ Parameter: shape(store.get(String(body.Name)), arn) }),
  GetParameters: (store, body, arn) => {
    const names = (body.Names as unknown[] | undefined)?.map(String) ?? [];
    const found = names.map((n) => store.find(n)).filter((p) => p !== undefined);
    return {
      Parameters: found.map((p) => shape(p, arn)),
      InvalidParameters: names.filter((n) => !store.find(n)),
    };
  },
  PutParameter: (store, body) => ({
    Version: store.put({
      name: String(body.Name),
      type: (body.Type as Parameter['type'] | undefined) ?? 'String',
      value: String(body.Value ?? ''),
      overwrite: body.Overwrite === true,
      ...(typeof body.Description === 'string' ? { description: body.Description } : {}),
    }),
    Tier: 'Standard',
  }),
  DeleteParameter: (store, body) => {
    store.delete(String(body.Name));
    return {};
  },
  GetParametersByPath: (store, body, arn) => ({
    Parameters: store
      .byPath(String(body.Path ?? '/'), body.Recursive === true)
      .map((p) => shape(p, arn)),
  }),
};

/** A parameter as the SSM API returns it. */
function shape(p: Parameter, arn: (name: string) => string) {
  return {
    Name: p.name,
    Type: p.type,
    Value: p.value,
    Version: p.version,
    LastModifiedDate: p.lastModified.getTime() / 1000,
    ARN: arn(p.name),
    DataType: 'text',
  };
}

/** SSM's Parameter Store on the endpoint, over `store`. */
export function ssmService(
  store: ParameterStore,
  region: string,
  accountId: string,
): ServiceHandler {
  const arn = (name: string) =>
    `arn:aws:ssm:${region}:${accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
  return (call: Call) => {
    const action = ACTIONS[call.action];
    if (!action) {
      const message = `The local cloud does not support the SSM action ${call.action}`;
      return sendJsonError(call.res, 400, 'UnknownOperationException', message);
    }
    let body: Body;
    try {
      body = JSON.parse(call.body.toString('utf8') || '{}') as Body;
    } catch {
      return sendJsonError(call.res, 400, 'SerializationException', 'Invalid JSON');
    }
    const names = [body.Name, ...((body.Names as unknown[]) ?? [])].filter((n) => n !== undefined);
    const resources =
      names.length > 0 ? names.map((n) => arn(String(n))) : [arn(String(body.Path ?? '/'))];
    const refused = denial(
      call,
      resources.map((resource) => ({ action: `ssm:${call.action}`, resource })),
    );
    if (refused) return sendJsonError(call.res, 400, 'AccessDeniedException', refused);
    try {
      sendJson(call.res, 200, action(store, body, arn));
    } catch (error) {
      if (!(error instanceof ParameterError)) throw error;
      sendJsonError(call.res, 400, error.code, error.message);
    }
  };
}
