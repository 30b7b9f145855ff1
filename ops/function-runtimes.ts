/**
 * Which Node each of the stack's functions runs on, for any target, from Lambda's GetFunction:
 * the runtime the configuration names and the runtime version in use. The local cloud's runtime
 * version ARN ends in the exact Node (`...:runtime:node-v24.21.0`, see local/lambda/platform-log.mjs);
 * Lambda's is an opaque hash, so there only the runtime shows.
 */
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { stackFunctions } from './functions';
import type { Target } from './target';

/** A function's runtime, as inspect shows it. */
export interface FunctionRuntime {
  /** `requestor`, `generator`. */
  readonly label: string;
  readonly name: string;
  /** The configuration's `Runtime` (`nodejs24.x`). */
  readonly runtime?: string;
  /** The Node that really runs it (`v24.21.0`), where the target says. */
  readonly node?: string;
  /** Set when that Node is not the major its runtime names (no binary for it on that machine). */
  readonly otherMajor?: boolean;
  /** Why the target did not say (GetFunction refused, say). */
  readonly error?: string;
}

/** The exact Node a runtime version ARN names, when it is the local cloud's. */
export function nodeOfRuntimeVersion(arn: string | undefined): string | undefined {
  return /:runtime:node-(v\d+\.\d+\.\d+)$/.exec(arn ?? '')?.[1];
}

/** Whether `node` (`v20.20.2`) is another major than `runtime` (`nodejs22.x`) names. */
export function isOtherMajor(runtime: string | undefined, node: string | undefined): boolean {
  const wanted = /^nodejs(\d+)\.x$/.exec(runtime ?? '')?.[1];
  const running = /^v(\d+)\./.exec(node ?? '')?.[1];
  return wanted !== undefined && running !== undefined && wanted !== running;
}

/** Each function the stack outputs name, with its runtime and the Node it runs on. */
export async function functionRuntimes(target: Target): Promise<FunctionRuntime[]> {
  let lambda: LambdaClient;
  try {
    lambda = new LambdaClient(target.clientConfig('lambda'));
  } catch (error) {
    // A target without Lambda (an old state file's): say so per function.
    const reason = error instanceof Error ? error.message : String(error);
    return stackFunctions(target).map((f) => ({ ...f, error: reason }));
  }
  try {
    return await Promise.all(
      stackFunctions(target).map(async ({ label, name }): Promise<FunctionRuntime> => {
        try {
          const { Configuration: config } = await lambda.send(
            new GetFunctionCommand({ FunctionName: name }),
          );
          const runtime = config?.Runtime;
          const node = nodeOfRuntimeVersion(config?.RuntimeVersionConfig?.RuntimeVersionArn);
          return { label, name, runtime, node, otherMajor: isOtherMajor(runtime, node) };
        } catch (error) {
          return { label, name, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  } finally {
    lambda.destroy();
  }
}

/** The rows inspect prints for the functions. */
export function formatFunctionRuntimes(functions: readonly FunctionRuntime[]): string[] {
  if (functions.length === 0) return [];
  const lines = ['', 'function   runtime      runs on'];
  for (const f of functions) {
    const runsOn = f.error
      ? `unknown: ${f.error}`
      : f.node
        ? `Node ${f.node}${f.otherMajor ? ` (not the runtime's Node: no binary for ${f.runtime} on that machine)` : ''}`
        : "the runtime's Node (the target does not say which build)";
    lines.push(`${f.label.padEnd(10)} ${(f.runtime ?? '?').padEnd(12)} ${runsOn}`);
  }
  return lines;
}
