// A Lambda call as its actions see it, and the answers they share: the function a name points to,
// "not found" and "access denied" in Lambda's REST error shape, and how an update is made.

import { type Call, denial } from '../call';
import { sendJson, sendRestError } from '../protocol';
import type { LambdaBackend, LambdaFunctionInfo } from './backend';
import { functionConfiguration } from './shapes';

/** What each Lambda action gets. */
export interface LambdaRequest {
  readonly call: Call;
  readonly backend: LambdaBackend;
  /** The path's resource id (a function name or ARN, a mapping UUID), decoded; '' for none. */
  readonly id: string;
  readonly url: URL;
}

/** The function a name, a full ARN or a partial one (`function:NAME`) names; a `:qualifier` must be $LATEST. */
export function findFunction(
  backend: LambdaBackend,
  nameOrArn: string,
): LambdaFunctionInfo | undefined {
  const name = nameOrArn.replace(/^arn:aws:lambda:[^:]*:[^:]*:function:/, '').split(':')[0];
  return backend.functions().find((f) => f.name === name);
}

/** Answers ResourceNotFoundException. */
export function sendNotFound(call: Call, what: string): void {
  sendRestError(call.res, 404, 'ResourceNotFoundException', what);
}

/** Answers AccessDeniedException when the caller may not do `action` on `resource`; true if it did. */
export function refused(call: Call, action: string, resource: string): boolean {
  const message = denial(call, [{ action, resource }]);
  if (message) sendRestError(call.res, 403, 'AccessDeniedException', message);
  return message !== undefined;
}

/**
 * An update of a function (UpdateFunctionCode, UpdateFunctionConfiguration): the function found
 * and the call authorized as `action`, the JSON body read by `read` (a string says why it cannot
 * be), the update applied, and the function's configuration answered as it is then.
 */
export async function updateFunction<T>(
  { call, backend, id }: LambdaRequest,
  action: string,
  read: (body: Record<string, unknown>) => T | string,
  apply: (name: string, update: T) => Promise<void>,
): Promise<void> {
  const target = findFunction(backend, id);
  if (!target) return sendNotFound(call, `Function not found: ${id}`);
  if (refused(call, action, target.arn)) return;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(call.body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return sendRestError(
      call.res,
      400,
      'InvalidParameterValueException',
      'The request body is not JSON',
    );
  }
  const update = read(body);
  if (typeof update === 'string')
    return sendRestError(call.res, 400, 'InvalidParameterValueException', update);
  try {
    await apply(target.name, update);
  } catch (error) {
    return sendRestError(call.res, 400, 'InvalidParameterValueException', (error as Error).message);
  }
  const updated = findFunction(backend, target.name) ?? target;
  sendJson(call.res, 200, functionConfiguration(updated), {}, 'application/json');
}
