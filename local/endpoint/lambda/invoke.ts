// Lambda's Invoke: RequestResponse (with `LogType: Tail`), Event and DryRun.

import type { Call } from '../call';
import { sendJson, sendRestError } from '../protocol';
import type { LambdaBackend } from './backend';
import { findFunction, type LambdaRequest, refused, sendNotFound } from './request';

/** What `LogType: Tail` returns of an invocation's log. */
const MAX_LOG_TAIL_BYTES = 4 * 1024;

/** Invokes the function the path names, as the `X-Amz-Invocation-Type` header asks. */
export async function invoke({ call, backend, id }: LambdaRequest): Promise<void> {
  const target = findFunction(backend, id);
  if (!target) return sendNotFound(call, `Function not found: ${id}`);
  if (refused(call, 'lambda:InvokeFunction', target.arn)) return;
  const type = String(call.req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  const read = readPayload(call);
  if (!read) return;
  if (type === 'DryRun') return sendJson(call.res, 204, undefined);
  if (type === 'Event') {
    backend.invokeAsync(target.name, read.payload);
    return sendJson(call.res, 202, undefined);
  }
  if (type !== 'RequestResponse') {
    return sendRestError(
      call.res,
      400,
      'InvalidParameterValueException',
      `Unsupported invocation type ${type}`,
    );
  }
  await sendOutcome(call, await backend.invoke(target.name, read.payload));
}

/**
 * The request's JSON payload (`{}` when empty); undefined once it has answered why it cannot be
 * used. Its size was checked before it was read (`../guard/body-limits.ts`).
 */
function readPayload(call: Call): { payload: unknown } | undefined {
  try {
    return { payload: call.body.length === 0 ? {} : JSON.parse(call.body.toString('utf8')) };
  } catch (error) {
    sendRestError(
      call.res,
      400,
      'InvalidRequestContentException',
      `Could not parse request body into json: ${(error as Error).message}`,
    );
    return undefined;
  }
}

/** Answers a RequestResponse invocation: its result, or its error flagged `Unhandled`. */
function sendOutcome(call: Call, outcome: Awaited<ReturnType<LambdaBackend['invoke']>>): void {
  const headers: Record<string, string> = { 'x-amz-executed-version': '$LATEST' };
  if (outcome.error) headers['x-amz-function-error'] = 'Unhandled';
  if (String(call.req.headers['x-amz-log-type'] ?? 'None') === 'Tail') {
    headers['x-amz-log-result'] = logTail(outcome.logs ?? []);
  }
  const text = JSON.stringify(outcome.error ?? outcome.result ?? null);
  call.res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  call.res.end(text);
}

/** Lambda's `LogType: Tail`: the last 4 KB of the invocation's log, base64-encoded. */
export function logTail(lines: readonly string[]): string {
  const text = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
  return text.subarray(Math.max(0, text.length - MAX_LOG_TAIL_BYTES)).toString('base64');
}
