// Lambda's read actions on functions: ListFunctions, GetFunction and GetFunctionConfiguration.

import { sendJson } from '../protocol';
import { findFunction, type LambdaRequest, refused, sendNotFound } from './request';
import { functionConfiguration } from './shapes';

/** ListFunctions: every function, in one page. */
export function listFunctions({ call, backend }: LambdaRequest): void {
  if (refused(call, 'lambda:ListFunctions', '*')) return;
  sendJson(
    call.res,
    200,
    { Functions: backend.functions().map(functionConfiguration), NextMarker: null },
    {},
    'application/json',
  );
}

/** GetFunction and GetFunctionConfiguration: one function, with or without its code and tags. */
export function getFunction({ call, backend, id }: LambdaRequest) {
  const target = findFunction(backend, id);
  if (!target) return sendNotFound(call, `Function not found: ${id}`);
  if (refused(call, `lambda:${call.action}`, target.arn)) return;
  const body =
    call.action === 'GetFunction'
      ? { Configuration: functionConfiguration(target), Code: { RepositoryType: 'S3' }, Tags: {} }
      : functionConfiguration(target);
  sendJson(call.res, 200, body, {}, 'application/json');
}
