import {
  LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES,
  LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES,
} from '../../aws/limits';
import { type Call, denial, type ServiceHandler } from './call';
import { sendJson, sendRestError } from './protocol';

/** A function as the Lambda API describes it. */
export interface LambdaFunctionInfo {
  readonly name: string;
  readonly arn: string;
  readonly runtime: string;
  readonly handler: string;
  readonly roleArn: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly environment: Record<string, string>;
  readonly description?: string;
  readonly architectures?: readonly string[];
}

/** An SQS event source mapping as the Lambda API describes it. */
export interface EventSourceMappingInfo {
  readonly uuid: string;
  readonly functionArn: string;
  readonly eventSourceArn: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly functionResponseTypes: readonly string[];
  readonly maximumConcurrency: number;
  readonly enabled: boolean;
}

/** What the Lambda API needs from the engine. */
export interface LambdaBackend {
  functions(): readonly LambdaFunctionInfo[];
  /** Runs one invocation and resolves with how it ended. */
  invoke(
    name: string,
    payload: unknown,
  ): Promise<{
    result?: unknown;
    error?: { errorType: string; errorMessage: string; stackTrace?: string[] };
    /** The invocation's log lines, START to REPORT, when the engine captures them. */
    logs?: readonly string[];
  }>;
  /** Starts an asynchronous (`Event`) invocation: queued, retried and dead-lettered as Lambda does. */
  invokeAsync(name: string, payload: unknown): void;
  eventSourceMappings(): readonly EventSourceMappingInfo[];
  /** Disables (pauses, after its batches in progress) or enables a mapping. */
  setMappingEnabled(uuid: string, enabled: boolean): Promise<void>;
}

const PREFIX = '/2015-03-31';
/** What `LogType: Tail` returns of an invocation's log. */
const MAX_LOG_TAIL_BYTES = 4 * 1024;
const STARTED = new Date().toISOString().replace('Z', '+0000');

/** Recognises the Lambda REST paths and names their operation; undefined for any other path. */
export function lambdaOperation(method: string, path: string): string | undefined {
  if (!path.startsWith(`${PREFIX}/`)) return undefined;
  const parts = path.slice(PREFIX.length + 1).split('/');
  const [collection, id, sub] = parts;
  if (collection === 'functions') {
    if (!id) return method === 'GET' ? 'ListFunctions' : 'CreateFunction';
    if (sub === 'invocations' && method === 'POST') return 'Invoke';
    if (sub === 'configuration' && method === 'GET') return 'GetFunctionConfiguration';
    if (sub === undefined && method === 'GET') return 'GetFunction';
  }
  if (collection === 'event-source-mappings') {
    if (!id) return method === 'GET' ? 'ListEventSourceMappings' : 'CreateEventSourceMapping';
    if (method === 'GET') return 'GetEventSourceMapping';
    if (method === 'PUT') return 'UpdateEventSourceMapping';
    if (method === 'DELETE') return 'DeleteEventSourceMapping';
  }
  return `${method} ${path}`;
}

/**
 * Lambda's REST API on the endpoint: Invoke (RequestResponse, Event, DryRun), ListFunctions,
 * GetFunction, GetFunctionConfiguration, ListEventSourceMappings, GetEventSourceMapping and
 * UpdateEventSourceMapping (to enable or disable a mapping). Calls are authorized as
 * `lambda:InvokeFunction` and `lambda:<Operation>`.
 */
export function lambdaService(backend: LambdaBackend): ServiceHandler {
  return async (call: Call) => {
    const url = new URL(call.req.url ?? '/', 'http://endpoint');
    const parts = url.pathname.slice(PREFIX.length + 1).split('/');
    const id = decodeURIComponent(parts[1] ?? '');
    const fn = (nameOrArn: string) => {
      // A name, a full ARN or a partial one (`function:NAME`); a `:qualifier` must be $LATEST.
      const name = nameOrArn.replace(/^arn:aws:lambda:[^:]*:[^:]*:function:/, '').split(':')[0];
      return backend.functions().find((f) => f.name === name);
    };
    const notFound = (what: string) =>
      sendRestError(call.res, 404, 'ResourceNotFoundException', what);
    const denied = (action: string, resource: string) => {
      const message = denial(call, [{ action, resource }]);
      if (message) sendRestError(call.res, 403, 'AccessDeniedException', message);
      return message !== undefined;
    };
    const wildcard = `arn:aws:lambda:*:*:*`;

    switch (call.action) {
      case 'Invoke': {
        const target = fn(id);
        if (!target) return notFound(`Function not found: ${id}`);
        if (denied('lambda:InvokeFunction', target.arn)) return;
        const type = String(call.req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
        const limit =
          type === 'Event' ? LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES : LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES;
        if (call.body.length > limit) {
          return sendRestError(
            call.res,
            413,
            'RequestTooLargeException',
            `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
          );
        }
        let payload: unknown;
        try {
          payload = call.body.length === 0 ? {} : JSON.parse(call.body.toString('utf8'));
        } catch (error) {
          return sendRestError(
            call.res,
            400,
            'InvalidRequestContentException',
            `Could not parse request body into json: ${(error as Error).message}`,
          );
        }
        if (type === 'DryRun') return sendJson(call.res, 204, undefined);
        if (type === 'Event') {
          backend.invokeAsync(target.name, payload);
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
        const outcome = await backend.invoke(target.name, payload);
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
        return;
      }
      case 'ListFunctions':
        if (denied('lambda:ListFunctions', '*')) return;
        return sendJson(
          call.res,
          200,
          { Functions: backend.functions().map(configuration), NextMarker: null },
          {},
          'application/json',
        );
      case 'GetFunction':
      case 'GetFunctionConfiguration': {
        const target = fn(id);
        if (!target) return notFound(`Function not found: ${id}`);
        if (denied(`lambda:${call.action}`, target.arn)) return;
        const body =
          call.action === 'GetFunction'
            ? { Configuration: configuration(target), Code: { RepositoryType: 'S3' }, Tags: {} }
            : configuration(target);
        return sendJson(call.res, 200, body, {}, 'application/json');
      }
      case 'ListEventSourceMappings': {
        if (denied('lambda:ListEventSourceMappings', '*')) return;
        const byFunction = url.searchParams.get('FunctionName');
        const bySource = url.searchParams.get('EventSourceArn');
        const fnArn = byFunction ? fn(byFunction)?.arn : undefined;
        if (byFunction && !fnArn) return notFound(`Function not found: ${byFunction}`);
        const mappings = backend
          .eventSourceMappings()
          .filter(
            (m) =>
              (!fnArn || m.functionArn === fnArn) && (!bySource || m.eventSourceArn === bySource),
          );
        return sendJson(
          call.res,
          200,
          { EventSourceMappings: mappings.map(mappingJson), NextMarker: null },
          {},
          'application/json',
        );
      }
      case 'GetEventSourceMapping':
      case 'UpdateEventSourceMapping': {
        const mapping = backend.eventSourceMappings().find((m) => m.uuid === id);
        if (!mapping) {
          return notFound(
            `The resource you requested does not exist. (Service: Lambda, UUID: ${id})`,
          );
        }
        const arn = `arn:aws:lambda:${mapping.functionArn.split(':')[3]}:${mapping.functionArn.split(':')[4]}:event-source-mapping:${id}`;
        if (denied(`lambda:${call.action}`, arn)) return;
        if (call.action === 'GetEventSourceMapping') {
          return sendJson(call.res, 200, mappingJson(mapping), {}, 'application/json');
        }
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
        return sendJson(call.res, 202, mappingJson(now), {}, 'application/json');
      }
      default:
        if (denied(`lambda:${call.action.split(' ')[0]}`, wildcard)) return;
        return sendRestError(
          call.res,
          400,
          'UnsupportedOperationException',
          `The local cloud does not support the Lambda operation ${call.action}`,
        );
    }
  };
}

/** Lambda's `LogType: Tail`: the last 4 KB of the invocation's log, base64-encoded. */
export function logTail(lines: readonly string[]): string {
  const text = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
  return text.subarray(Math.max(0, text.length - MAX_LOG_TAIL_BYTES)).toString('base64');
}

function configuration(f: LambdaFunctionInfo) {
  return {
    FunctionName: f.name,
    FunctionArn: f.arn,
    Runtime: f.runtime,
    Role: f.roleArn,
    Handler: f.handler,
    CodeSize: 0,
    Description: f.description ?? '',
    Timeout: f.timeoutSeconds,
    MemorySize: f.memorySize,
    LastModified: STARTED,
    Version: '$LATEST',
    Environment: { Variables: f.environment },
    Architectures: f.architectures ?? ['x86_64'],
    PackageType: 'Zip',
    State: 'Active',
    LastUpdateStatus: 'Successful',
  };
}

function mappingJson(m: EventSourceMappingInfo) {
  return {
    UUID: m.uuid,
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    EventSourceArn: m.eventSourceArn,
    FunctionArn: m.functionArn,
    LastModified: Date.parse(STARTED.replace('+0000', 'Z')) / 1000,
    State: m.enabled ? 'Enabled' : 'Disabled',
    StateTransitionReason: 'USER_INITIATED',
    FunctionResponseTypes: m.functionResponseTypes,
    ScalingConfig: { MaximumConcurrency: m.maximumConcurrency },
  };
}
