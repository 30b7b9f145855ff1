/**
 * What a local cloud is, seen from outside: its options, the running cloud's interface and
 * counters, and the error its operations throw. `local/cloud.ts` re-exports all of it.
 */

import type { FaultCounts, FaultSpec } from '../endpoint/faults';
import type { RouteHandler } from '../endpoint/gateway';
import type { NodeBinary } from '../lambda/node-binary';
import type { StackUpdatePlan } from '../stack/update';

/** Options of `startLocalCloud` (local/engine/start.ts). */
/** A queue of the running stack. */
export interface LocalQueue {
  readonly logicalId: string;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly dlqArn?: string;
  readonly maxReceiveCount?: number;
  /** The visibility timeout in force locally (after `timeScale`), in seconds. */
  readonly visibilityTimeoutSeconds: number;
}

export interface LocalCloudOptions {
  /**
   * Existing cloud assembly directory, or the synth that makes it: the cloud's host (emulators,
   * endpoint) opens meanwhile, and it deploys once the synth is done.
   * @default synthesize the CDK app into `.local-cloud/cdk.out`
   */
  readonly assemblyDir?: string | Promise<string>;
  /** CDK context for the synth (string values, as `-c key=value` passes them). @default none */
  readonly context?: Record<string, string>;
  /** Stack to run. @default the only stack in the assembly */
  readonly stackName?: string;
  /** dynalite's on-disk state; a restart with the same directory keeps the tables. @default in memory */
  readonly dataDir?: string;
  /**
   * Divides time-based behaviour: schedule rates, queue visibility timeouts (whole seconds, at
   * least 1) and batching windows. Function timeouts are not scaled. @default 1
   */
  readonly timeScale?: number;
  /** Run the template's schedules. @default false */
  readonly schedules?: boolean;
  /**
   * Write the cloud's `LocalCloudState` (local/state/state-file.ts: region, endpoint, pid, stack name,
   * outputs) here for discovery by `inspect`/`redrive`, once it is up; removed when it stops. The
   * file is a lock: a second cloud with the same file is refused while the first one's process
   * runs, and a file left by a killed cloud is taken over.
   * @default not written
   */
  readonly stateFile?: string;
  /**
   * Port of the single AWS endpoint on 127.0.0.1 serving SQS, DynamoDB, Lambda, CloudFormation,
   * STS and CloudWatch Logs. `npm start` uses 4566, LocalStack's. @default 0, any free port
   */
  readonly port?: number;
  /**
   * Host names the endpoint answers to besides its loopback ones (`127.0.0.1:PORT`,
   * `localhost:PORT`, `[::1]:PORT`), each with or without a port; requests for any other name get
   * 403, which keeps pages on a DNS-rebinding name out. @default none
   */
  readonly allowHosts?: readonly string[];
  /**
   * Enforce the template's IAM policies on the functions', pollers' and schedules' calls, as AWS
   * does. Other credentials act as administrator either way. @default true
   */
  readonly iam?: boolean;
  /**
   * Sink for function logs and local-cloud diagnostics, one line each; a function's lines come
   * with its name. @default discard
   */
  readonly log?: (line: string, functionName?: string) => void;
  /**
   * Debug mode: each function runs in one execution environment with the Node inspector open on
   * 127.0.0.1, the first function (in template order) on this port, the next on the one after,
   * and no function timeout. @default off
   */
  readonly inspectPort?: number;
  /**
   * Initialize one execution environment of each function as the function is created (and again
   * after each update of its code or configuration), before any invocation, as Lambda may do for
   * on-demand functions ("proactive initialization"): an invocation that finds it ready is no
   * cold start, and its REPORT has no Init Duration. `npm start`, `npm run dev` and `npm run
   * cloud` set it; tests leave each cold start to its invocation. @default false
   */
  readonly preInitialize?: boolean;
  /**
   * Answer a seeded fraction of SQS, DynamoDB and Lambda API calls with the service's throttling
   * or 5xx error (see `endpoint/faults.ts`); `setFaults` changes it while the cloud runs.
   * @default none
   */
  readonly faults?: FaultSpec;
  /**
   * Handlers served on the endpoint by path prefix (`/_console`) from its first request, before
   * the stack is provisioned; `mount` adds more later. @default none
   */
  readonly routes?: ReadonlyMap<string, RouteHandler>;
}

/** Counters for the cost model. */
export interface LocalCloudMetrics {
  /** API calls by `Service.Action`, from functions, event source pollers and clients alike. */
  readonly calls: Record<string, number>;
  readonly writeRequestUnits: number;
  readonly readRequestUnits: number;
  readonly lambda: Record<
    string,
    {
      invocations: number;
      errors: number;
      totalDurationMs: number;
      coldStarts: number;
      memorySize: number;
      /** Highest Max Memory Used (MB) of any of its environments since the last reset. */
      maxMemoryUsedMB: number;
    }
  >;
}

/** A running local cloud. */
export interface LocalCloud {
  readonly region: string;
  /** The single AWS endpoint (`http://127.0.0.1:PORT`), for `AWS_ENDPOINT_URL`. */
  readonly endpoint: string;
  /** The endpoint again, per service, for tools that configure each client separately. */
  readonly endpoints: { readonly sqs: string; readonly dynamodb: string };
  readonly stackName: string;
  /** Stack outputs with intrinsics resolved. */
  readonly outputs: Record<string, string>;
  readonly queues: Record<string, LocalQueue>;
  readonly tables: Record<string, { readonly logicalId: string; readonly name: string }>;
  readonly functions: Record<
    string,
    {
      readonly logicalId: string;
      readonly name: string;
      readonly memorySize: number;
      readonly timeoutSeconds: number;
      /** The bundle the function's new execution environments load now. */
      readonly entry: string;
      /** Its inspector's port, in debug mode (`inspectPort`). */
      readonly inspectPort?: number;
      /** The template's `Runtime` (`nodejs24.x`). */
      readonly runtime: string;
      /**
       * The Node its environments run on (`version`, `execPath`), with a `warning` naming both
       * versions when that is the tools' Node instead of its runtime's.
       */
      readonly node: NodeBinary;
    }
  >;
  /**
   * Replaces a function's code with the bundle at `entry`, as UpdateFunctionCode does:
   * invocations that start afterwards run it in new environments; those in progress finish on
   * the old code, whose environments are then retired. Queues and tables are untouched.
   */
  updateFunctionCode(fn: string, entry: string): Promise<void>;
  /**
   * Deploys the template of another assembly of the same stack through the local CloudFormation,
   * as `cdk deploy` updates a stack, keeping messages and items: new queues and tables, function
   * configuration and code, mapping and schedule settings, queue attributes, IAM policies,
   * outputs. Resolves with what it changed.
   * @throws StackUpdateError, changing nothing, when a change needs a new cloud (its `plan` says
   *   which and why)
   * @throws StackDeployError, the stack rolled back, when a resource fails
   */
  updateStack(assemblyDir: string): Promise<StackUpdatePlan>;
  /** Client settings for talking to the endpoint as an administrator. */
  clientConfig(service: 'sqs' | 'dynamodb'): {
    region: string;
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /**
   * The credentials `fn`'s code runs with: its execution role's session, which the endpoint
   * evaluates against the role's policies. Handy to reproduce a function's call by hand.
   */
  roleCredentials(fn: string): {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
  };
  /** Synchronous invoke by function name or logical id. */
  invoke(
    fn: string,
    payload: unknown,
  ): Promise<{ result?: unknown; error?: { errorType: string; errorMessage: string } }>;
  /**
   * Asynchronous invoke (`InvocationType: Event`), as EventBridge Scheduler invokes: accepted at
   * once, then retried and sent to the on-failure destination as the function's
   * EventInvokeConfig says. Resolves with the invocation's request id; `waitForIdle` waits for it.
   */
  invokeAsync(fn: string, payload: unknown): Promise<{ requestId: string }>;
  /** Stops the event source mappings that feed `fn` (once their batches in progress are done). */
  pauseConsumer(fn: string): Promise<void>;
  resumeConsumer(fn: string): void;
  /** Stops running the schedules (after the runs in progress); the rest keeps going. */
  stopSchedules(): Promise<void>;
  /** Runs the template's schedules (again, after `stopSchedules`); those running keep their pace. */
  startSchedules(): void;
  /** Kills every execution environment of `fn` that runs an invocation; returns how many died. */
  crashFunction(fn: string): Promise<number>;
  /** Restarts dynalite on the same port, like a database crash; on-disk data survives. */
  restartDynamoDb(): Promise<void>;
  /** Replaces the endpoint's fault injection (undefined: none), its generator reseeded. */
  setFaults(spec: FaultSpec | undefined): void;
  /** Faults the endpoint injected so far, by `service.Action.kind`. */
  injectedFaults(): FaultCounts;
  /**
   * Age of the oldest message (visible or in flight) of the queue at `queueUrl`: 0 when it is
   * empty, undefined for a queue this cloud does not have. SQS reports it only to CloudWatch
   * (`ApproximateAgeOfOldestMessage`); the console shows it from here.
   */
  oldestMessageAgeMs(queueUrl: string): number | undefined;
  /** Resolves when no source queue holds a visible, delayed or in-flight message and nothing runs. */
  waitForIdle(opts?: { timeoutMs?: number }): Promise<void>;
  metrics(): LocalCloudMetrics;
  resetMetrics(): void;
  /**
   * Serves `handler` on the endpoint for requests under `prefix` (`/_console`), beside the AWS
   * APIs; a second mount on the same prefix replaces the first.
   */
  mount(prefix: string, handler: RouteHandler): void;
  /** Stops schedules, pollers, functions and emulators, freeing every port. */
  stop(): Promise<void>;
}

/** A local cloud operation was given something it cannot do (unknown function, bad payload). */
export class LocalCloudError extends Error {
  override readonly name = 'LocalCloudError';
}
