import type { Logger } from './logger';

/** What the scope reads from the Lambda context; tests may pass nothing. */
export interface InvocationContext {
  readonly awsRequestId?: string;
}

/**
 * Per-invocation log fields for one execution environment's handler, the way Powertools Logger
 * adds them: `function_request_id` (the Lambda request id), `xray_trace_id` and `cold_start`
 * (true for the environment's first invocation only). Create one per handler at module scope:
 * Lambda loads the module once per environment, so the scope's first call is the cold start.
 *
 * `env` is read at each invocation, not captured, because Lambda sets `_X_AMZN_TRACE_ID` anew
 * for every invocation.
 */
export function invocationScope(env: NodeJS.ProcessEnv = process.env) {
  let coldStart = true;
  return <D extends { readonly logger: Logger }>(deps: D, context?: InvocationContext): D => {
    const fields = {
      cold_start: coldStart,
      function_request_id: context?.awsRequestId,
      xray_trace_id: traceIdFrom(env._X_AMZN_TRACE_ID),
    };
    coldStart = false;
    return { ...deps, logger: deps.logger.child(fields) };
  };
}

/** The `Root=` trace id of an X-Ray trace header (`Root=1-…;Parent=…;Sampled=1`). */
export function traceIdFrom(header: string | undefined): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 'Root' && value) return value;
  }
  return undefined;
}
