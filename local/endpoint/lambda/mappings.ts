// Lambda's actions on event source mappings: ListEventSourceMappings, GetEventSourceMapping, and
// UpdateEventSourceMapping, which can only enable or disable one.

import { sendJson, sendRestError } from '../protocol';
import type { EventSourceMappingInfo } from './backend';
import { findFunction, type LambdaRequest, refused, sendNotFound } from './request';
import { mappingJson } from './shapes';

/** ListEventSourceMappings, filtered by `FunctionName` and `EventSourceArn`, in one page. */
export function listMappings({ call, backend, url }: LambdaRequest) {
  if (refused(call, 'lambda:ListEventSourceMappings', '*')) return;
  const byFunction = url.searchParams.get('FunctionName');
  const bySource = url.searchParams.get('EventSourceArn');
  const fnArn = byFunction ? findFunction(backend, byFunction)?.arn : undefined;
  if (byFunction && !fnArn) return sendNotFound(call, `Function not found: ${byFunction}`);
  const mappings = backend
    .eventSourceMappings()
    .filter(
      (m) => (!fnArn || m.functionArn === fnArn) && (!bySource || m.eventSourceArn === bySource),
    );
  sendJson(
    call.res,
    200,
    { EventSourceMappings: mappings.map(mappingJson), NextMarker: null },
    {},
    'application/json',
  );
}

/** GetEventSourceMapping. */
export function getMapping(request: LambdaRequest): void {
  const mapping = permittedMapping(request);
  if (!mapping) return;
  sendJson(request.call.res, 200, mappingJson(mapping), {}, 'application/json');
}

/** UpdateEventSourceMapping: `Enabled` only; any other change is refused, naming it. */
export async function updateMapping(request: LambdaRequest): Promise<void> {
  const { call, backend, id } = request;
  const mapping = permittedMapping(request);
  if (!mapping) return;
  let update: Record<string, unknown>;
  try {
    update = JSON.parse(call.body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch (error) {
    return sendRestError(call.res, 400, 'InvalidRequestContentException', String(error));
  }
  const other = Object.keys(update).filter((k) => k !== 'Enabled' && k !== 'UUID');
  if (other.length > 0) {
    return sendRestError(
      call.res,
      400,
      'InvalidParameterValueException',
      `The local cloud can only enable or disable a mapping; it cannot change ${other.join(', ')}`,
    );
  }
  if (typeof update.Enabled === 'boolean' && update.Enabled !== mapping.enabled) {
    await backend.setMappingEnabled(id, update.Enabled);
  }
  const now = backend.eventSourceMappings().find((m) => m.uuid === id) ?? mapping;
  sendJson(call.res, 202, mappingJson(now), {}, 'application/json');
}

/** The mapping the path names, if it exists and the caller may act on it; else answers why not. */
function permittedMapping({
  call,
  backend,
  id,
}: LambdaRequest): EventSourceMappingInfo | undefined {
  const mapping = backend.eventSourceMappings().find((m) => m.uuid === id);
  if (!mapping) {
    sendNotFound(call, `The resource you requested does not exist. (Service: Lambda, UUID: ${id})`);
    return undefined;
  }
  if (refused(call, `lambda:${call.action}`, mappingArn(mapping, id))) return undefined;
  return mapping;
}

/** The mapping's ARN, in its function's region and account. */
function mappingArn(mapping: EventSourceMappingInfo, id: string): string {
  const [, , , region, account] = mapping.functionArn.split(':');
  return `arn:aws:lambda:${region}:${account}:event-source-mapping:${id}`;
}
