// Lambda's REST API on the endpoint: the router that hands each operation to its action.

import type { Call, ServiceHandler } from '../call';
import { sendRestError } from '../protocol';
import type { LambdaBackend } from './backend';
import { getFunction, listFunctions } from './functions';
import { invoke } from './invoke';
import { getMapping, listMappings, updateMapping } from './mappings';
import { LAMBDA_PATH_PREFIX } from './operation';
import { type LambdaRequest, refused } from './request';
import { updateFunctionCode } from './update-code';
import { publishVersion, updateFunctionConfiguration } from './update-configuration';

export type {
  ConfigurationChanges,
  EventSourceMappingInfo,
  FunctionCode,
  LambdaBackend,
  LambdaFunctionInfo,
} from './backend';
export { logTail } from './invoke';
export { lambdaOperation } from './operation';

type LambdaAction = (request: LambdaRequest) => Promise<void> | void;

const ACTIONS = new Map<string, LambdaAction>([
  ['Invoke', invoke],
  ['ListFunctions', listFunctions],
  ['GetFunction', getFunction],
  ['GetFunctionConfiguration', getFunction],
  ['UpdateFunctionCode', updateFunctionCode],
  ['UpdateFunctionConfiguration', updateFunctionConfiguration],
  ['PublishVersion', publishVersion],
  ['ListEventSourceMappings', listMappings],
  ['GetEventSourceMapping', getMapping],
  ['UpdateEventSourceMapping', updateMapping],
]);

/** A path segment decoded, or undefined when it is not valid percent-encoding (a client's mistake). */
function decodedId(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Lambda's REST API on the endpoint: Invoke (RequestResponse, Event, DryRun), ListFunctions,
 * GetFunction, GetFunctionConfiguration, UpdateFunctionCode, UpdateFunctionConfiguration,
 * PublishVersion, ListEventSourceMappings, GetEventSourceMapping and UpdateEventSourceMapping (to enable
 * or disable a mapping). Calls are authorized as
 * `lambda:InvokeFunction` and `lambda:<Operation>`.
 */
export function lambdaService(backend: LambdaBackend): ServiceHandler {
  return async (call: Call) => {
    const url = new URL(call.req.url ?? '/', 'http://endpoint');
    const parts = url.pathname.slice(LAMBDA_PATH_PREFIX.length + 1).split('/');
    const id = decodedId(parts[1] ?? '');
    if (id === undefined) {
      return sendRestError(
        call.res,
        400,
        'InvalidParameterValueException',
        `The resource name in the path is not valid percent-encoding: ${parts[1]}`,
      );
    }
    const action = ACTIONS.get(call.action);
    if (action) return action({ call, backend, id, url });
    if (refused(call, `lambda:${call.action.split(' ')[0]}`, 'arn:aws:lambda:*:*:*')) return;
    sendRestError(
      call.res,
      400,
      'UnsupportedOperationException',
      `The local cloud does not support the Lambda operation ${call.action}`,
    );
  };
}
