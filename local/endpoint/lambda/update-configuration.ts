// Lambda's UpdateFunctionConfiguration and PublishVersion, for `cdk deploy --hotswap` and
// `cdk watch` (environment, memory, timeout, handler or description changes, and the versions a
// hotswap publishes). The answers are the function's configuration, its update already Successful.

import { sendJson, sendRestError } from '../protocol';
import type { ConfigurationChanges } from './backend';
import { findFunction, type LambdaRequest, refused, sendNotFound } from './request';
import { functionConfiguration } from './shapes';

/** The changes the request body asks for, or why it cannot be read. */
function changesOf(body: Buffer): ConfigurationChanges | string {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return 'The request body is not JSON';
  }
  const variables = (parsed.Environment as { Variables?: unknown } | undefined)?.Variables;
  const number = (key: string) => (typeof parsed[key] === 'number' ? parsed[key] : undefined);
  const text = (key: string) => (typeof parsed[key] === 'string' ? parsed[key] : undefined);
  return {
    environment:
      variables && typeof variables === 'object'
        ? Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)]))
        : undefined,
    memorySize: number('MemorySize'),
    timeoutSeconds: number('Timeout'),
    handler: text('Handler'),
    description: text('Description'),
  };
}

export async function updateFunctionConfiguration(request: LambdaRequest): Promise<void> {
  const { call, backend, id } = request;
  const target = findFunction(backend, id);
  if (!target) return sendNotFound(call, `Function not found: ${id}`);
  if (refused(call, 'lambda:UpdateFunctionConfiguration', target.arn)) return;
  const changes = changesOf(call.body);
  if (typeof changes === 'string')
    return sendRestError(call.res, 400, 'InvalidParameterValueException', changes);
  try {
    await backend.updateFunctionConfiguration(target.name, changes);
  } catch (error) {
    return sendRestError(call.res, 400, 'InvalidParameterValueException', (error as Error).message);
  }
  const updated = findFunction(backend, target.name) ?? target;
  sendJson(call.res, 200, functionConfiguration(updated), {}, 'application/json');
}

/**
 * PublishVersion: the next version number of the function, with its configuration. The local
 * cloud records versions; invocations run `$LATEST`.
 */
export function publishVersion({ call, backend, id }: LambdaRequest): void {
  const target = findFunction(backend, id);
  if (!target) {
    sendNotFound(call, `Function not found: ${id}`);
    return;
  }
  if (refused(call, 'lambda:PublishVersion', target.arn)) return;
  const version = backend.publishVersion(target.name);
  const configuration = functionConfiguration(target);
  sendJson(
    call.res,
    201,
    { ...configuration, Version: version, FunctionArn: `${target.arn}:${version}` },
    {},
    'application/json',
  );
}
