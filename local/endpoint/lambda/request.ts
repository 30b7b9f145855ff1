// A Lambda call as its actions see it, and the answers they share: the function a name points to,
// "not found" and "access denied" in Lambda's REST error shape.

import { type Call, denial } from '../call';
import { sendRestError } from '../protocol';
import type { LambdaBackend, LambdaFunctionInfo } from './backend';

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
