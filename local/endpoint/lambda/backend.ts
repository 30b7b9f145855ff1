// What the Lambda API on the endpoint needs from the engine: its functions, its event source
// mappings, and a way to invoke.

/** A function as the Lambda API describes it. */
export interface LambdaFunctionInfo {
  readonly name: string;
  readonly arn: string;
  readonly runtime: string;
  /** The runtime version in use, as `RuntimeVersionConfig.RuntimeVersionArn` gives it. */
  readonly runtimeVersionArn?: string;
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
  /**
   * Replaces a function's code with a deployment package (a zip, from S3 or inline), as
   * UpdateFunctionCode does.
   */
  updateFunctionCode(name: string, code: FunctionCode): Promise<void>;
  /** Gives new environments of the function this configuration, as UpdateFunctionConfiguration does. */
  updateFunctionConfiguration(name: string, changes: ConfigurationChanges): Promise<void>;
  /** Records a new version of the function; returns its number. */
  publishVersion(name: string): string;
}

/** What UpdateFunctionConfiguration may change; undefined leaves a setting as it is. */
export interface ConfigurationChanges {
  /** The whole new set of variables. */
  readonly environment?: Readonly<Record<string, string>>;
  readonly memorySize?: number;
  readonly timeoutSeconds?: number;
  readonly handler?: string;
  readonly description?: string;
}

/** Where new code comes from: an S3 object, or the zip's bytes. */
export type FunctionCode =
  | { readonly s3Bucket: string; readonly s3Key: string }
  | { readonly zipFile: Uint8Array };
