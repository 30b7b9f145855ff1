// Lambda's UpdateFunctionConfiguration and PublishVersion, for `cdk deploy --hotswap` and
// `cdk watch` (environment, memory, timeout, handler or description changes, and the versions a
// hotswap publishes). The answers are the function's configuration, its update already Successful.

import { sendJson } from '../protocol';
import type { ConfigurationChanges } from './backend';
import { findFunction, type LambdaRequest, refused, sendNotFound, updateFunction } from './request';
import { functionConfiguration } from './shapes';

/** The changes the request body asks for. */
function changesOf(parsed: Record<string, unknown>): ConfigurationChanges {
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

export function updateFunctionConfiguration(request: LambdaRequest): Promise<void> {
  return updateFunction(request, 'lambda:UpdateFunctionConfiguration', changesOf, (name, changes) =>
    request.backend.updateFunctionConfiguration(name, changes),
  );
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
