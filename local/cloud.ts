import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_REGION, LOCAL_ACCOUNT_ID } from '../aws/defaults';
import { denialMessage, evaluate, type RolePolicies } from '../aws/iam/evaluator';
import { roleLogicalId, rolePolicies } from '../aws/iam/policies';
import { IntrinsicResolver, type LocalResource, loadStack } from '../aws/template';
import { startDynamoDb } from './dynamodb/emulator';
import { cloudFormationService } from './endpoint/cloudformation';
import { dynamodbService } from './endpoint/dynamodb';
import { FaultInjector } from './endpoint/faults';
import { type RouteHandler, startEndpoint } from './endpoint/gateway';
import { lambdaService } from './endpoint/lambda';
import { logsService } from './endpoint/logs';
import { sqsService } from './endpoint/sqs';
import { stsService } from './endpoint/sts';
import { inProcessUpstream } from './endpoint/upstream';
import { cloudControls } from './engine/controls';
import { ApiMeter } from './engine/meter';
import { type LocalCloud, LocalCloudError, type LocalCloudOptions } from './engine/types';
import { type RoleSession, RoleSessions } from './iam/sessions';
import { arnOf, lambdaApi } from './lambda/api';
import { AsyncInvoker, describeAsyncInvokeConfigs } from './lambda/async-invoke';
import { SqsEventSource } from './lambda/event-source';
import { FunctionRunner } from './lambda/runtime';
import { LogStore } from './logs/store';
import { ScheduleRunner } from './scheduler/scheduler';
import { startSqs } from './sqs/emulator';
import { stackInfo } from './stack/info';
import {
  createQueues,
  createTables,
  describeEventSources,
  describeFunctions,
  describeSchedules,
  registerInertResources,
} from './stack/provision';
import { synthesize } from './stack/synth';
import { refuseIfRunning, writeStateFile } from './state/state-file';

export type { LocalCloud, LocalCloudMetrics, LocalCloudOptions } from './engine/types';
export { LocalCloudError } from './engine/types';
export type { LocalQueue } from './stack/provision';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const DEFAULT_OUTDIR = '.local-cloud/cdk.out';

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
      startSqs({ meter, region: DEFAULT_REGION }),
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
    const sessions = new RoleSessions(LOCAL_ACCOUNT_ID);
    // With a data directory the logs persist beside the tables, as CloudWatch keeps them.
    const logStore = new LogStore(undefined, opts.dataDir ? join(opts.dataDir, 'logs') : undefined);
    stoppers.push(() => logStore.close());
    const services: Parameters<typeof startEndpoint>[0]['services'] = {
      sqs: sqsService({
        upstream: sqsUpstream,
        region: DEFAULT_REGION,
        accountId: LOCAL_ACCOUNT_ID,
      }),
      dynamodb: dynamodbService({
        upstream: dynamoUpstream,
        region: DEFAULT_REGION,
        accountId: LOCAL_ACCOUNT_ID,
      }),
      sts: stsService(LOCAL_ACCOUNT_ID),
      logs: logsService(logStore, DEFAULT_REGION, LOCAL_ACCOUNT_ID),
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
      region: DEFAULT_REGION,
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
      region: DEFAULT_REGION,
      accountId: LOCAL_ACCOUNT_ID,
    });

    const [tables, queues] = await Promise.all([
      createTables(stack, dynamodb, resolver, locals),
      createQueues(stack, sqs, resolver, locals, timeScale),
    ]);
    registerInertResources(stack, locals);
    const functionSpecs = describeFunctions(stack, resolver, locals);
    const roles = rolePolicies(stack, resolver, LOCAL_ACCOUNT_ID);
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
          region: DEFAULT_REGION,
          accountId: LOCAL_ACCOUNT_ID,
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
          region: DEFAULT_REGION,
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

    services.lambda = lambdaService(
      lambdaApi({ stack, runners, runner, functionSessions, eventSources, asyncInvoker }),
    );
    services.cloudformation = cloudFormationService(
      stackInfo(stack, locals, outputs, DEFAULT_REGION, LOCAL_ACCOUNT_ID),
    );

    for (const source of eventSources) source.start();
    if (opts.schedules) for (const schedule of schedules) schedule.start();

    const endpoints = { sqs: endpoint.url, dynamodb: endpoint.url };
    if (opts.stateFile) {
      const removeStateFile = writeStateFile(opts.stateFile, {
        region: DEFAULT_REGION,
        endpoint: endpoint.url,
        endpoints,
        port: endpoint.port,
        stackName: stack.stackName,
        outputs,
      });
      stoppers.unshift(async () => removeStateFile());
    }

    meter.reset();
    diagnostic({
      level: 'INFO',
      message: 'Local cloud started',
      stackName: stack.stackName,
      endpoints,
    });

    return cloudControls({
      stack,
      endpoint: endpoint.url,
      outputs,
      queues,
      tables,
      locals,
      runners,
      runner,
      eventSources,
      schedules,
      sqs,
      dynamodb,
      timeScale,
      services,
      routes,
      sessions,
      functionSessions,
      functionSpecs,
      inspectPort: opts.inspectPort,
      asyncInvoker,
      meter,
      faults,
      clientConfig,
      queueDepth: (url) => sqsEmulator.depth(url),
      restartDynamoDb: () => dynamoEmulator.restart(),
      stopAll,
    });
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Requests per requestor invocation that commands and benchmarks ask of the local cloud. The
 * requestor records each request with a conditional PutItem; dynalite serves a few hundred of
 * those a second, so 10,000 in one invocation (fine on DynamoDB) would outlast its timeout here.
 */
export const LOCAL_REQUESTS_PER_INVOKE = 1_000;
