import { DEFAULT_REGION, LOCAL_ACCOUNT_ID } from '../../aws/defaults';
import { LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES } from '../../aws/limits';
import { loadStack, type StackArtifact } from '../../aws/template';
import { cloudFormationService } from '../endpoint/cloudformation';
import type { FaultInjector } from '../endpoint/faults';
import type { RouteHandler, startEndpoint } from '../endpoint/gateway';
import type { RoleSession, RoleSessions } from '../iam/sessions';
import type { AsyncInvoker } from '../lambda/async-invoke';
import type { FunctionSpec } from '../lambda/runtime';
import type { QueueDepth } from '../sqs/emulator';
import { stackInfo } from '../stack/info';
import { applyStackUpdate, type StackUpdateTarget } from '../stack/update';
import type { ApiMeter } from './meter';
import { type LocalCloud, LocalCloudError } from './types';

/** The parts of a started local cloud its controls drive. */
export interface Engine extends StackUpdateTarget {
  /** The template in force: a stack update replaces it. */
  stack: StackArtifact;
  /** The single AWS endpoint's URL. */
  readonly endpoint: string;
  /** The endpoint's services; a stack update rebinds CloudFormation's. */
  readonly services: Parameters<typeof startEndpoint>[0]['services'];
  readonly routes: Map<string, RouteHandler>;
  readonly sessions: RoleSessions;
  /** Execution role sessions by function name. */
  readonly functionSessions: ReadonlyMap<string, RoleSession>;
  /** The functions in template order. */
  readonly functionSpecs: readonly FunctionSpec[];
  /** First inspector port in debug mode. */
  readonly inspectPort: number | undefined;
  readonly asyncInvoker: AsyncInvoker;
  readonly meter: ApiMeter;
  readonly faults: FaultInjector;
  readonly clientConfig: LocalCloud['clientConfig'];
  /** A queue's message counts in the SQS emulator, by URL. */
  readonly queueDepth: (url: string) => QueueDepth | undefined;
  readonly restartDynamoDb: () => Promise<void>;
  /** Stops everything the start sequence started, in reverse. */
  readonly stopAll: () => Promise<void>;
}

/** The {@link LocalCloud} over a started engine. */
export function cloudControls(e: Engine): LocalCloud {
  const initial = e.stack;
  const {
    endpoint,
    outputs,
    queues,
    tables,
    locals,
    runners,
    runner,
    eventSources,
    schedules,
    services,
    routes,
    sessions,
    functionSessions,
    functionSpecs,
    inspectPort,
    asyncInvoker,
    meter,
    faults,
    clientConfig,
    queueDepth,
    restartDynamoDb,
  } = e;
  const endpoints = { sqs: endpoint, dynamodb: endpoint };
  const sourceQueueUrls = eventSources.map((s) => s.spec.queueUrl);
  const pending = () => {
    const depths = sourceQueueUrls.map((url) => ({
      url,
      ...(queueDepth(url) ?? { visible: 0, delayed: 0, inFlight: 0 }),
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
    region: DEFAULT_REGION,
    endpoint,
    endpoints,
    stackName: initial.stackName,
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
            inspectPort === undefined ? undefined : inspectPort + functionSpecs.indexOf(f),
          get entry() {
            return runner(f.logicalId).codeEntry;
          },
        },
      ]),
    ),
    updateFunctionCode: (fn, entry) => runner(fn).updateCode(entry),
    // The engine is the update's target: it reads `e.stack` as it stands when the update runs.
    updateStack: (assemblyDir) =>
      applyStackUpdate(e, loadStack(assemblyDir, initial.stackName), {
        updateRoles: (updated) => sessions.updateRoles(updated),
        commit(next) {
          e.stack = next;
          services.cloudformation = cloudFormationService(
            stackInfo(next, locals, outputs, DEFAULT_REGION, LOCAL_ACCOUNT_ID),
          );
        },
      }),
    clientConfig,
    roleCredentials(fn) {
      const session = functionSessions.get(runner(fn).spec.name);
      if (!session) throw new LocalCloudError(`${fn} has no execution role session`);
      return session.credentials;
    },
    async invoke(fn, payload) {
      const target = runner(fn);
      const size = Buffer.byteLength(JSON.stringify(payload ?? null));
      if (size > LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES) {
        throw new LocalCloudError(
          `Payload of ${size} bytes exceeds Lambda's ${LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES}-byte limit for synchronous invocations`,
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
    restartDynamoDb,
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
      await e.stopAll();
    },
  };
}
