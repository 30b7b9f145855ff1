/** What the local cloud knows of a function and what an invocation of it returns. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LogFormat } from './platform-log.mjs';

/** A function as the local cloud runs it, resolved from the template. */
export interface FunctionSpec {
  readonly logicalId: string;
  readonly name: string;
  /** Absolute path of the bundled module (the asset's `index.mjs`). */
  readonly entry: string;
  /** Export to call, from the template's `Handler` (`index.handler` -> `handler`). */
  readonly handlerName: string;
  /** The template's `Runtime` (`nodejs24.x`): which Node runs it and how (node-binary.ts). */
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly environment: Record<string, string>;
  /**
   * The template's `LoggingConfig.LogFormat`: with JSON the platform writes platform.start,
   * platform.runtimeDone and platform.report records instead of START, END and REPORT lines.
   * @default 'Text'
   */
  readonly logFormat?: LogFormat;
  /** The template's `LoggingConfig.LogGroup`: where its lines go. @default `/aws/lambda/NAME` */
  readonly logGroup?: string;
}

/**
 * Where a `Handler` (`index.handler`) points in a package directory: its module (the first of
 * `.mjs`, `.js` and `.cjs` that exists) and the export to call.
 * @throws Error naming the file when the package holds none
 */
export function handlerEntry(dir: string, handler: string): { entry: string; handlerName: string } {
  const dot = handler.lastIndexOf('.');
  const file = handler.slice(0, dot);
  const entry = ['.mjs', '.js', '.cjs']
    .map((ext) => join(dir, `${file}${ext}`))
    .find((p) => existsSync(p));
  if (!entry)
    throw new Error(`Handler file ${file}.mjs or ${file}.js not found in the deployment package`);
  return { entry, handlerName: handler.slice(dot + 1) };
}

/** The log group a function writes to. */
export const logGroupOfSpec = (spec: FunctionSpec): string =>
  spec.logGroup ?? `/aws/lambda/${spec.name}`;

/** How an invocation ended, shaped like Lambda's Invoke response. */
export interface InvokeOutcome {
  readonly result?: unknown;
  readonly error?: { errorType: string; errorMessage: string };
  readonly durationMs: number;
  readonly coldStart: boolean;
  /** The request id the function saw (`context.awsRequestId`) and its START/END/REPORT lines name. */
  readonly requestId: string;
  /**
   * The invocation's log lines, START to REPORT, when the runner captures logs (it has a `log`
   * sink); what Invoke's `LogType: Tail` returns the end of.
   */
  readonly logs?: readonly string[];
}

/** Per-function counters for the cost model. */
export interface FunctionMetrics {
  invocations: number;
  errors: number;
  totalDurationMs: number;
  coldStarts: number;
  /**
   * Highest Max Memory Used (MB) any environment reported so far; see worker.mjs for what
   * a worker thread can measure of it.
   */
  maxMemoryUsedMB: number;
}
