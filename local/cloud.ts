import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AsyncInvoker, describeAsyncInvokeConfigs } from './async-invoke';
import { ApiMeter, startDynamoDb, startSqs } from './emulators';
import { cloudFormationService } from './endpoint/cloudformation';
import { dynamodbService } from './endpoint/dynamodb';
import { type FaultCounts, FaultInjector, type FaultSpec } from './endpoint/faults';
import { type RouteHandler, startEndpoint } from './endpoint/gateway';
import { type EventSourceMappingInfo, lambdaService } from './endpoint/lambda';
import { LogStore, logsService } from './endpoint/logs';
import { sqsService } from './endpoint/sqs';
import { mappingUuid, stackInfo } from './endpoint/stack-info';
import { stsService } from './endpoint/sts';
import { inProcessUpstream } from './endpoint/upstream';
import { SqsEventSource } from './event-source';
import { denialMessage, evaluate, type RolePolicies } from './iam/evaluator';
import { roleLogicalId, rolePolicies } from './iam/policies';
import { type RoleSession, RoleSessions } from './iam/sessions';
import { FunctionRunner, type FunctionSpec } from './lambda-runtime';
import {
  ACCOUNT_ID,
  createQueues,
  createTables,
  describeEventSources,
  describeFunctions,
  describeSchedules,
  type LocalQueue,
  REGION,
  registerInertResources,
} from './provision';
import { ScheduleRunner } from './scheduler';
import { applyStackUpdate, type StackUpdatePlan } from './stack-update';
import { synthesize } from './synth';
import { IntrinsicResolver, type LocalResource, loadStack } from './template';

export type { LocalQueue } from './provision';

/** Options of {@link startLocalCloud}. */
export interface LocalCloudOptions {
  /** Existing cloud assembly directory. @default synthesize the CDK app into `.local-cloud/cdk.out` */
  readonly assemblyDir?: string;
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
   * Write `{ region, endpoint, endpoints, port, pid, stackName, outputs }` here for discovery by
   * `inspect`/`redrive`. A second cloud with the same file is refused while the first runs.
   * @default not written
   */
  readonly stateFile?: string;
  /**
   * Port of the single AWS endpoint on 127.0.0.1 serving SQS, DynamoDB, Lambda, CloudFormation,
   * STS and CloudWatch Logs. `npm start` uses 4566, LocalStack's. @default 0, any free port
   */
  readonly port?: number;
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
   * Answer a seeded fraction of SQS, DynamoDB and Lambda API calls with the service's throttling
   * or 5xx error (see `endpoint/faults.ts`); `setFaults` changes it while the cloud runs.
   * @default none
   */
  readonly faults?: FaultSpec;
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
    }
  >;
  /**
   * Replaces a function's code with the bundle at `entry`, as UpdateFunctionCode does:
   * invocations that start afterwards run it in new environments; those in progress finish on
   * the old code, whose environments are then retired. Queues and tables are untouched.
   */
  updateFunctionCode(fn: string, entry: string): Promise<void>;
  /**
   * Applies the template of another assembly of the same stack in place, as a CloudFormation
   * update would, keeping messages and items (see local/stack-update.ts): new queues and tables,
   * function configuration, mapping and schedule settings, queue attributes, IAM policies,
   * outputs. Resolves with what it changed.
   * @throws StackUpdateError, changing nothing, when a change needs a new cloud (`planStackUpdate`
   *   says which and why)
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
  /** Kills every execution environment of `fn` mid-invocation; returns how many died. */
  crashFunction(fn: string): Promise<number>;
  /** Restarts dynalite on the same port, like a database crash; on-disk data survives. */
  restartDynamoDb(): Promise<void>;
  /** Replaces the endpoint's fault injection (undefined: none), its generator reseeded. */
  setFaults(spec: FaultSpec | undefined): void;
  /** Faults the endpoint injected so far, by `service.Action.kind`. */
  injectedFaults(): FaultCounts;
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

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const DEFAULT_OUTDIR = '.local-cloud/cdk.out';
/** Lambda's synchronous invocation payload limit. */
const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * Starts a local cloud running the synthesized stack: SQS (fauxqs) and DynamoDB (dynalite) on
 * 127.0.0.1, each function in its own worker-thread environments, SQS event source mappings and
 * schedules emulated as AWS documents them. Each method of {@link LocalCloud} is documented there.
 *
 * @throws TemplateError if the template holds something the local cloud cannot run
 */
export async function startLocalCloud(opts: LocalCloudOptions = {}): Promise<LocalCloud> {
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0))
    throw new LocalCloudError(`timeScale must be a positive number, got ${timeScale}`);
  const sink = opts.log ?? (() => {});
  const diagnostic = (fields: Record<string, unknown>) =>
    sink(JSON.stringify({ timestamp: new Date().toISOString(), source: 'local-cloud', ...fields }));

  if (opts.stateFile) refuseIfRunning(opts.stateFile);
  const assemblyDir = opts.assemblyDir ?? synthesize(resolve(DEFAULT_OUTDIR), opts.context);
  const stack = loadStack(assemblyDir, opts.stackName);

  const meter = new ApiMeter();
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop();
  };
  try {
    // Both emulators start together; one that started is stopped if the other fails.
    const [sqsStarted, dynamoStarted] = await Promise.allSettled([
      startSqs({ meter, region: REGION }),
      startDynamoDb({ meter, dataDir: opts.dataDir }),
    ]);
    if (sqsStarted.status === 'fulfilled') stoppers.push(() => sqsStarted.value.stop());
    if (dynamoStarted.status === 'fulfilled') stoppers.push(() => dynamoStarted.value.stop());
    if (sqsStarted.status === 'rejected') throw sqsStarted.reason;
    if (dynamoStarted.status === 'rejected') throw dynamoStarted.reason;
    const sqsEmulator = sqsStarted.value;
    const dynamoEmulator = dynamoStarted.value;

    // One endpoint for every service. It starts before anything is provisioned, so queue URLs
    // carry its host and port; the Lambda, CloudFormation and Logs services are bound once the
    // stack is up (a call before that finds no function and no stack).
    const sqsUpstream = inProcessUpstream(sqsEmulator.dispatch);
    const dynamoUpstream = inProcessUpstream(dynamoEmulator.dispatch);
    const sessions = new RoleSessions(ACCOUNT_ID);
    // With a data directory the logs persist beside the tables, as CloudWatch keeps them.
    const logStore = new LogStore(undefined, opts.dataDir ? join(opts.dataDir, 'logs') : undefined);
    stoppers.push(() => logStore.close());
    const services: Parameters<typeof startEndpoint>[0]['services'] = {
      sqs: sqsService({ upstream: sqsUpstream, region: REGION, accountId: ACCOUNT_ID }),
      dynamodb: dynamodbService({
        upstream: dynamoUpstream,
        region: REGION,
        accountId: ACCOUNT_ID,
      }),
      sts: stsService(ACCOUNT_ID),
      logs: logsService(logStore, REGION, ACCOUNT_ID),
    };
    const routes = new Map<string, RouteHandler>();
    const faults = new FaultInjector(opts.faults);
    const endpoint = await startEndpoint({
      faults: (call) => faults.inject(call),
      port: opts.port ?? 0,
      services,
      routes,
      sessions: opts.iam === false ? undefined : sessions,
      meter,
    });
    stoppers.push(async () => {
      await endpoint.stop();
    });
    const clientConfig = (_service?: 'sqs' | 'dynamodb') => ({
      region: REGION,
      endpoint: endpoint.url,
      credentials: CREDENTIALS,
    });
    // Pollers' clients skip the SDK's MD5 check of every received body: Lambda's own pollers
    // are not SDK clients, and on a 2-core machine the hashing costs throughput.
    const sqs = new SQSClient({ ...clientConfig(), md5: false });
    const dynamodb = new DynamoDBClient(clientConfig());
    const roleClients = new Map<string, SQSClient>();
    /** An SQS client signing as `session`, as Lambda's pollers and the scheduler use the role. */
    const sqsAs = (session: RoleSession | undefined): SQSClient => {
      if (!session || opts.iam === false) return sqs;
      const key = session.credentials.accessKeyId;
      let client = roleClients.get(key);
      if (!client) {
        client = new SQSClient({ ...clientConfig(), credentials: session.credentials, md5: false });
        roleClients.set(key, client);
      }
      return client;
    };
    stoppers.push(async () => {
      sqs.destroy();
      dynamodb.destroy();
      for (const client of roleClients.values()) client.destroy();
    });

    const locals = new Map<string, LocalResource>();
    const resolver = new IntrinsicResolver(stack, locals, {
      region: REGION,
      accountId: ACCOUNT_ID,
    });

    const [tables, queues] = await Promise.all([
      createTables(stack, dynamodb, resolver, locals),
      createQueues(stack, sqs, resolver, locals, timeScale),
    ]);
    registerInertResources(stack, locals);
    const functionSpecs = describeFunctions(stack, resolver, locals);
    const roles = rolePolicies(stack, resolver, ACCOUNT_ID);
    for (const role of roles.values()) {
      if (role.unsupported.length === 0 || opts.iam === false) continue;
      diagnostic({
        level: 'WARN',
        message:
          'Every call with this role is denied: the local cloud cannot evaluate its policies',
        role: role.logicalId,
        reasons: role.unsupported,
      });
    }
    /** The session of the role a template property names, under `sessionName`. */
    const sessionOf = (roleProperty: unknown, sessionName: string, where: string) => {
      const roleId = roleLogicalId(roleProperty);
      const role: RolePolicies = roles.get(roleId ?? '') ?? {
        logicalId: roleId ?? where,
        name: roleId ?? where,
        arn: String(roleProperty),
        policies: [],
        unsupported: [`${where} uses a role from outside the template`],
      };
      return sessions.issue(role, sessionName);
    };
    const functionSessions = new Map(
      functionSpecs.map((spec) => [
        spec.name,
        sessionOf(
          stack.resources[spec.logicalId]?.Properties?.Role,
          spec.name,
          `${spec.logicalId}.Role`,
        ),
      ]),
    );

    // Function logs feed the Logs API whenever someone reads them: a log sink, or an endpoint on a
    // chosen port. Otherwise the lines are dropped at the source, which saves a good share of CPU.
    const captureLogs = opts.log !== undefined || opts.port !== undefined;
    const runners = new Map<string, FunctionRunner>();
    for (const [index, spec] of functionSpecs.entries()) {
      const group = `/aws/lambda/${spec.name}`;
      if (captureLogs) logStore.createGroup(group);
      const session = functionSessions.get(spec.name);
      const credentials = opts.iam === false || !session ? CREDENTIALS : session.credentials;
      runners.set(
        spec.logicalId,
        new FunctionRunner(spec, {
          region: REGION,
          accountId: ACCOUNT_ID,
          inspectPort: opts.inspectPort === undefined ? undefined : opts.inspectPort + index,
          environment: {
            AWS_ACCESS_KEY_ID: credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
            ...('sessionToken' in credentials
              ? { AWS_SESSION_TOKEN: credentials.sessionToken }
              : {}),
            AWS_ENDPOINT_URL: endpoint.url,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs_local',
          },
          log: captureLogs
            ? (line) => {
                logStore.append(group, line);
                opts.log?.(line, spec.name);
              }
            : undefined,
        }),
      );
    }
    stoppers.push(async () => {
      await Promise.all([...runners.values()].map((r) => r.stop()));
    });
    // Debug mode: each inspector is open from the start, for a debugger to attach before invoking.
    if (opts.inspectPort !== undefined)
      await Promise.all([...runners.values()].map((r) => r.warm()));
    const runner = (fn: string): FunctionRunner => {
      const found =
        runners.get(fn) ??
        [...runners.values()].find((r) => r.spec.name === fn || arnOf(r.spec) === fn);
      if (!found) {
        const known = [...runners.values()].map((r) => `${r.spec.name} (${r.spec.logicalId})`);
        throw new LocalCloudError(`No function ${fn}; this stack has ${known.join(', ')}`);
      }
      return found;
    };

    const eventSources = describeEventSources(stack, resolver, queues, runner).map(
      (spec) =>
        new SqsEventSource(spec, {
          sqs: sqsAs(functionSessions.get(spec.functionName)),
          region: REGION,
          timeScale,
          invoke: (event) => runner(spec.functionName).invoke(event),
          wakePollers: () => sqsEmulator.wake(spec.queueUrl),
          log: diagnostic,
        }),
    );
    stoppers.push(async () => {
      await Promise.all(eventSources.map((s) => s.stop()));
    });

    const asyncInvoker = new AsyncInvoker({
      configs: describeAsyncInvokeConfigs(stack, resolver, queues, (fn) => runner(fn).spec.name),
      invoke: (fn, payload, requestId) => runner(fn).invoke(payload, requestId),
      functionArn: (fn) => arnOf(runner(fn).spec),
      sqsFor: (fn) => sqsAs(functionSessions.get(runner(fn).spec.name)),
      timeScale,
      log: diagnostic,
    });
    stoppers.push(() => asyncInvoker.stop());

    const schedules = describeSchedules(stack, resolver, queues, runner).map((spec) => {
      const target = stack.resources[spec.logicalId]?.Properties?.Target as
        | { RoleArn?: unknown }
        | undefined;
      // EventBridge Scheduler's session name is not the function's; the schedule's name reads well.
      const session = sessionOf(target?.RoleArn, spec.name, `${spec.logicalId}.Target.RoleArn`);
      const functionArn = arnOf(runner(spec.functionName).spec);
      return new ScheduleRunner(spec, {
        sqs: sqsAs(session),
        timeScale,
        targetArn: functionArn,
        invoke: async (payload) => {
          // The scheduler invokes with its role: a missing lambda:InvokeFunction fails the
          // attempt, which is retried and dead-lettered like any failed invocation.
          const decision =
            opts.iam === false
              ? { allowed: true as const }
              : evaluate(session.role, 'lambda:InvokeFunction', functionArn);
          if (!decision.allowed) {
            const errorMessage = denialMessage(
              session.principalArn,
              'lambda:InvokeFunction',
              functionArn,
              decision,
            );
            return {
              error: { errorType: 'AccessDeniedException', errorMessage },
              durationMs: 0,
              coldStart: false,
              requestId: randomUUID(),
            };
          }
          // Scheduler's delivery succeeds once Lambda accepts the event; Lambda's async retries and
          // on-failure destination take it from there.
          asyncInvoker.invoke(spec.functionName, payload);
          return { durationMs: 0, coldStart: false };
        },
        log: diagnostic,
      });
    });
    stoppers.push(async () => {
      await Promise.all(schedules.map((s) => s.stop()));
    });

    const outputs = Object.fromEntries(
      Object.entries(stack.outputs).map(([key, output]) => [
        key,
        resolver.string(output.Value, `Outputs.${key}`),
      ]),
    );

    const mappingUuids = new Map(
      eventSources.map((s) => [mappingUuid(stack.stackName, s.spec.logicalId), s]),
    );
    const disabledMappings = new Set(
      [...mappingUuids].filter(([, s]) => !s.spec.enabled).map(([uuid]) => uuid),
    );
    services.lambda = lambdaService({
      functions: () =>
        [...runners.values()].map(({ spec }) => {
          const props = stack.resources[spec.logicalId]?.Properties ?? {};
          return {
            name: spec.name,
            arn: arnOf(spec),
            runtime: String(props.Runtime ?? ''),
            handler: String(props.Handler ?? ''),
            roleArn: functionSessions.get(spec.name)?.role.arn ?? '',
            memorySize: spec.memorySize,
            timeoutSeconds: spec.timeoutSeconds,
            environment: spec.environment,
            description: typeof props.Description === 'string' ? props.Description : undefined,
            architectures: props.Architectures as string[] | undefined,
          };
        }),
      invoke: (name, payload) => runner(name).invoke(payload),
      invokeAsync(name, payload) {
        asyncInvoker.invoke(name, payload);
      },
      eventSourceMappings: () =>
        [...mappingUuids].map(
          ([uuid, source]): EventSourceMappingInfo => ({
            uuid,
            functionArn: arnOf(runner(source.spec.functionName).spec),
            eventSourceArn: source.spec.queueArn,
            batchSize: source.spec.batchSize,
            maximumBatchingWindowInSeconds: source.spec.maximumBatchingWindowInSeconds,
            functionResponseTypes: source.spec.reportBatchItemFailures
              ? ['ReportBatchItemFailures']
              : [],
            maximumConcurrency: source.spec.maximumConcurrency,
            enabled: !disabledMappings.has(uuid),
          }),
        ),
      async setMappingEnabled(uuid, enabled) {
        const source = mappingUuids.get(uuid);
        if (!source) throw new LocalCloudError(`No event source mapping ${uuid}`);
        if (enabled) {
          disabledMappings.delete(uuid);
          source.resume();
        } else {
          disabledMappings.add(uuid);
          await source.pause();
        }
      },
    });
    services.cloudformation = cloudFormationService(
      stackInfo(stack, locals, outputs, REGION, ACCOUNT_ID),
    );
    // The template in force: a stack update replaces it.
    let running = stack;

    for (const source of eventSources) source.start();
    if (opts.schedules) for (const schedule of schedules) schedule.start();

    const endpoints = { sqs: endpoint.url, dynamodb: endpoint.url };
    if (opts.stateFile) {
      const stateFile = opts.stateFile;
      mkdirSync(dirname(stateFile), { recursive: true });
      const state = {
        region: REGION,
        endpoint: endpoint.url,
        endpoints,
        port: endpoint.port,
        pid: process.pid,
        stackName: stack.stackName,
        outputs,
      };
      writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
      stoppers.unshift(async () => rmSync(stateFile, { force: true }));
    }

    meter.reset();
    diagnostic({
      level: 'INFO',
      message: 'Local cloud started',
      stackName: stack.stackName,
      endpoints,
    });

    const sourceQueueUrls = eventSources.map((s) => s.spec.queueUrl);
    const pending = () => {
      const depths = sourceQueueUrls.map((url) => ({
        url,
        ...(sqsEmulator.depth(url) ?? { visible: 0, delayed: 0, inFlight: 0 }),
      }));
      const busy =
        eventSources.reduce((n, s) => n + s.inFlight, 0) +
        [...runners.values()].reduce((n, r) => n + r.active, 0) +
        schedules.reduce((n, s) => n + s.active, 0) +
        asyncInvoker.active;
      const idle = busy === 0 && depths.every((d) => d.visible + d.delayed + d.inFlight === 0);
      return { idle, busy, depths };
    };

    let stopped = false;
    return {
      region: REGION,
      endpoint: endpoint.url,
      endpoints,
      stackName: stack.stackName,
      outputs,
      get queues() {
        return Object.fromEntries([...queues.values()].map((q) => [q.logicalId, q]));
      },
      tables,
      functions: Object.fromEntries(
        functionSpecs.map((f) => [
          f.logicalId,
          {
            logicalId: f.logicalId,
            name: f.name,
            get memorySize() {
              return runner(f.logicalId).spec.memorySize;
            },
            get timeoutSeconds() {
              return runner(f.logicalId).spec.timeoutSeconds;
            },
            inspectPort:
              opts.inspectPort === undefined
                ? undefined
                : opts.inspectPort + functionSpecs.indexOf(f),
            get entry() {
              return runner(f.logicalId).codeEntry;
            },
          },
        ]),
      ),
      updateFunctionCode: (fn, entry) => runner(fn).updateCode(entry),
      updateStack: (assemblyDir) =>
        applyStackUpdate(
          {
            stack: running,
            locals,
            queues,
            tables,
            runners,
            runner,
            eventSources,
            schedules,
            sqs,
            dynamodb,
            timeScale,
            outputs,
            updateRoles: (updated) => sessions.updateRoles(updated),
            commit(next) {
              running = next;
              services.cloudformation = cloudFormationService(
                stackInfo(next, locals, outputs, REGION, ACCOUNT_ID),
              );
            },
          },
          loadStack(assemblyDir, stack.stackName),
        ),
      clientConfig,
      roleCredentials(fn) {
        const session = functionSessions.get(runner(fn).spec.name);
        if (!session) throw new LocalCloudError(`${fn} has no execution role session`);
        return session.credentials;
      },
      async invoke(fn, payload) {
        const target = runner(fn);
        const size = Buffer.byteLength(JSON.stringify(payload ?? null));
        if (size > MAX_INVOKE_PAYLOAD_BYTES) {
          throw new LocalCloudError(
            `Payload of ${size} bytes exceeds Lambda's ${MAX_INVOKE_PAYLOAD_BYTES}-byte limit for synchronous invocations`,
          );
        }
        meter.count('Lambda', 'Invoke');
        // The payload crosses a JSON boundary, as it does on AWS.
        const outcome = await target.invoke(JSON.parse(JSON.stringify(payload ?? null)));
        return outcome.error ? { error: outcome.error } : { result: outcome.result };
      },
      async invokeAsync(fn, payload) {
        const target = runner(fn);
        meter.count('Lambda', 'Invoke');
        return {
          requestId: asyncInvoker.invoke(
            target.spec.name,
            JSON.parse(JSON.stringify(payload ?? null)),
          ),
        };
      },
      async pauseConsumer(fn) {
        const name = runner(fn).spec.name;
        await Promise.all(
          eventSources.filter((s) => s.spec.functionName === name).map((s) => s.pause()),
        );
      },
      resumeConsumer(fn) {
        const name = runner(fn).spec.name;
        for (const source of eventSources.filter((s) => s.spec.functionName === name))
          source.resume();
      },
      crashFunction: (fn) => runner(fn).crash(),
      async stopSchedules() {
        await Promise.all(schedules.map((s) => s.stop()));
      },
      restartDynamoDb: () => dynamoEmulator.restart(),
      setFaults: (spec) => faults.set(spec),
      injectedFaults: () => faults.injected(),
      async waitForIdle({ timeoutMs = 60_000 } = {}) {
        const deadline = Date.now() + timeoutMs;
        let quietChecks = 0;
        // Idle twice in a row, so a message handed from one function to the next is not missed.
        while (quietChecks < 2) {
          const state = pending();
          quietChecks = state.idle ? quietChecks + 1 : 0;
          if (Date.now() > deadline) {
            throw new LocalCloudError(
              `Still busy after ${timeoutMs} ms: ${state.busy} batches/invocations running, queues ${JSON.stringify(state.depths)}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      metrics() {
        return {
          calls: { ...meter.calls },
          writeRequestUnits: meter.writeRequestUnits,
          readRequestUnits: meter.readRequestUnits,
          lambda: Object.fromEntries(
            [...runners.values()].map((r) => [
              r.spec.name,
              { ...r.metrics, memorySize: r.spec.memorySize },
            ]),
          ),
        };
      },
      resetMetrics() {
        meter.reset();
        for (const r of runners.values())
          Object.assign(r.metrics, {
            invocations: 0,
            errors: 0,
            totalDurationMs: 0,
            coldStarts: 0,
            maxMemoryUsedMB: 0,
          });
      },
      mount(prefix, handler) {
        routes.set(prefix, handler);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Refuses to start a second local cloud on a state file whose cloud still runs (its pid is alive),
 * naming that one. A file left by a cloud that died is stale and is overwritten.
 */
function refuseIfRunning(stateFile: string): void {
  if (!existsSync(stateFile)) return;
  let state: { pid?: unknown; endpoint?: unknown };
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as typeof state;
  } catch {
    return;
  }
  if (typeof state.pid !== 'number') return;
  try {
    process.kill(state.pid, 0);
  } catch {
    return;
  }
  throw new LocalCloudError(
    `A local cloud already runs with state file ${stateFile}: pid ${state.pid}, endpoint ${String(state.endpoint)}; stop it first or use another state directory`,
  );
}

function arnOf(spec: FunctionSpec): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${spec.name}`;
}

/**
 * Requests per requestor invocation that commands and benchmarks ask of the local cloud. The
 * requestor records each request with a conditional PutItem; dynalite serves a few hundred of
 * those a second, so 10,000 in one invocation (fine on DynamoDB) would outlast its timeout here.
 */
export const LOCAL_REQUESTS_PER_INVOKE = 1_000;
