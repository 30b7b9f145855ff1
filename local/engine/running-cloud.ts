/**
 * A started local cloud: one object holding the parts its phases returned, implementing
 * {@link LocalCloud} (each method is documented there).
 */
import { DEFAULT_REGION } from '../../aws/defaults';
import { LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES } from '../../aws/limits';
import { loadStack, type StackArtifact } from '../../aws/template';
import type { FaultSpec } from '../endpoint/faults';
import type { RouteHandler } from '../endpoint/gateway';
import { lambdaService } from '../endpoint/lambda';
import { lambdaApi } from '../lambda/api';
import type { FunctionRunner } from '../lambda/runtime';
import { mappingUuid, recordStack } from '../stack/info';
import { applyStackUpdate, type StackUpdateTarget } from '../stack/update';
import { adminClientConfig, type EngineClients } from './clients';
import type { OpenEndpoint } from './endpoint';
import type { Functions } from './functions';
import { waitForIdle } from './idle';
import type { ApiMeter } from './meter';
import type { Resources } from './resources';
import type { Stores } from './stores';
import type { Teardown } from './teardown';
import type { Triggers } from './triggers';
import { type LocalCloud, LocalCloudError, type LocalCloudMetrics } from './types';

/** What the start-up phases returned. */
export interface CloudParts {
  /** The template in force. */
  readonly stack: StackArtifact;
  readonly stores: Stores;
  readonly endpoint: OpenEndpoint;
  readonly clients: EngineClients;
  readonly resources: Resources;
  readonly functions: Functions;
  readonly triggers: Triggers;
  readonly meter: ApiMeter;
  readonly teardown: Teardown;
  readonly timeScale: number;
  /** First inspector port in debug mode. */
  readonly inspectPort: number | undefined;
}

export class RunningCloud implements LocalCloud {
  readonly region = DEFAULT_REGION;
  readonly endpoint: string;
  readonly endpoints: { readonly sqs: string; readonly dynamodb: string };
  readonly stackName: string;
  readonly functions: LocalCloud['functions'];
  /** The template in force: a stack update replaces it. */
  private stack: StackArtifact;
  private stopped = false;

  constructor(private readonly parts: CloudParts) {
    this.stack = parts.stack;
    this.endpoint = parts.endpoint.url;
    this.endpoints = { sqs: this.endpoint, dynamodb: this.endpoint };
    this.stackName = parts.stack.stackName;
    this.functions = describeFunctions(parts);
  }

  /** Serves the stack's functions on the Lambda API, and records the stack in CloudFormation. */
  bindServices(): void {
    const { endpoint, functions, resources, triggers } = this.parts;
    endpoint.services.lambda = lambdaService(
      lambdaApi({
        propertiesOf: (spec) => this.stack.resources[spec.logicalId]?.Properties ?? {},
        mappingIdOf: (source) => mappingUuid(this.stackName, source.spec.logicalId),
        runners: functions.runners,
        runner: functions.runner,
        functionSessions: resources.functionSessions,
        eventSources: triggers.eventSources,
        asyncInvoker: triggers.asyncInvoker,
      }),
    );
    this.bindStack(this.stack);
  }

  private bindStack(stack: StackArtifact): void {
    const { resources, endpoint } = this.parts;
    recordStack(endpoint.cloudformation.registry, stack, resources.locals, resources.outputs);
  }

  get outputs(): Record<string, string> {
    return this.parts.resources.outputs;
  }

  get queues(): LocalCloud['queues'] {
    const queues = [...this.parts.resources.queues.values()];
    return Object.fromEntries(queues.map((q) => [q.logicalId, q]));
  }

  get tables(): LocalCloud['tables'] {
    return this.parts.resources.tables;
  }

  private runner(fn: string): FunctionRunner {
    return this.parts.functions.runner(fn);
  }

  updateFunctionCode(fn: string, entry: string): Promise<void> {
    return this.runner(fn).updateCode(entry);
  }

  updateStack(assemblyDir: string): ReturnType<LocalCloud['updateStack']> {
    return applyStackUpdate(this.updateTarget(), loadStack(assemblyDir, this.stackName), {
      updateRoles: (updated) => this.parts.endpoint.sessions.updateRoles(updated),
      commit: (next) => {
        this.stack = next;
        this.bindStack(next);
      },
    });
  }

  /** The parts a stack update changes, with the template in force now. */
  private updateTarget(): StackUpdateTarget {
    const { resources, functions, triggers, clients } = this.parts;
    return {
      stack: this.stack,
      locals: resources.locals,
      queues: resources.queues,
      tables: resources.tables,
      runners: functions.runners,
      runner: functions.runner,
      eventSources: triggers.eventSources,
      schedules: triggers.schedules,
      sqs: clients.sqs,
      dynamodb: clients.dynamodb,
      timeScale: this.parts.timeScale,
      outputs: resources.outputs,
    };
  }

  clientConfig(_service?: 'sqs' | 'dynamodb'): ReturnType<LocalCloud['clientConfig']> {
    return adminClientConfig(this.endpoint);
  }

  roleCredentials(fn: string): ReturnType<LocalCloud['roleCredentials']> {
    const session = this.parts.resources.functionSessions.get(this.runner(fn).spec.name);
    if (!session) throw new LocalCloudError(`${fn} has no execution role session`);
    return session.credentials;
  }

  async invoke(fn: string, payload: unknown): ReturnType<LocalCloud['invoke']> {
    const target = this.runner(fn);
    const size = Buffer.byteLength(JSON.stringify(payload ?? null));
    if (size > LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES) {
      throw new LocalCloudError(
        `Payload of ${size} bytes exceeds Lambda's ${LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES}-byte limit for synchronous invocations`,
      );
    }
    this.parts.meter.count('Lambda', 'Invoke');
    // The payload crosses a JSON boundary, as it does on AWS.
    const outcome = await target.invoke(JSON.parse(JSON.stringify(payload ?? null)));
    return outcome.error ? { error: outcome.error } : { result: outcome.result };
  }

  async invokeAsync(fn: string, payload: unknown): ReturnType<LocalCloud['invokeAsync']> {
    const target = this.runner(fn);
    this.parts.meter.count('Lambda', 'Invoke');
    const event = JSON.parse(JSON.stringify(payload ?? null));
    return { requestId: this.parts.triggers.asyncInvoker.invoke(target.spec.name, event) };
  }

  /** The mappings that feed `fn`. */
  private sourcesOf(fn: string) {
    const name = this.runner(fn).spec.name;
    return this.parts.triggers.eventSources.filter((s) => s.spec.functionName === name);
  }

  async pauseConsumer(fn: string): Promise<void> {
    await Promise.all(this.sourcesOf(fn).map((s) => s.pause()));
  }

  resumeConsumer(fn: string): void {
    for (const source of this.sourcesOf(fn)) source.resume();
  }

  async stopSchedules(): Promise<void> {
    await Promise.all(this.parts.triggers.schedules.map((s) => s.stop()));
  }

  startSchedules(): void {
    for (const schedule of this.parts.triggers.schedules) schedule.start();
  }

  crashFunction(fn: string): Promise<number> {
    return this.runner(fn).crash();
  }

  restartDynamoDb(): Promise<void> {
    return this.parts.stores.dynamodb.restart();
  }

  setFaults(spec: FaultSpec | undefined): void {
    this.parts.endpoint.faults.set(spec);
  }

  injectedFaults(): ReturnType<LocalCloud['injectedFaults']> {
    return this.parts.endpoint.faults.injected();
  }

  oldestMessageAgeMs(queueUrl: string): number | undefined {
    return this.parts.stores.sqs.oldestMessageAgeMs(queueUrl);
  }

  waitForIdle(opts?: { timeoutMs?: number }): Promise<void> {
    const { stores, functions, triggers } = this.parts;
    return waitForIdle({ sqs: stores.sqs, runners: functions.runners, ...triggers }, opts);
  }

  metrics(): LocalCloudMetrics {
    const { meter, functions } = this.parts;
    return {
      calls: { ...meter.calls },
      writeRequestUnits: meter.writeRequestUnits,
      readRequestUnits: meter.readRequestUnits,
      lambda: Object.fromEntries(
        [...functions.runners.values()].map((r) => [
          r.spec.name,
          { ...r.metrics, memorySize: r.spec.memorySize },
        ]),
      ),
    };
  }

  resetMetrics(): void {
    this.parts.meter.reset();
    for (const r of this.parts.functions.runners.values())
      Object.assign(r.metrics, {
        invocations: 0,
        errors: 0,
        totalDurationMs: 0,
        coldStarts: 0,
        maxMemoryUsedMB: 0,
      });
  }

  mount(prefix: string, handler: RouteHandler): void {
    this.parts.endpoint.routes.set(prefix, handler);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.parts.teardown.run();
  }
}

/** The functions as `LocalCloud` shows them: configuration read live from their runners. */
function describeFunctions({
  resources,
  functions,
  inspectPort,
}: CloudParts): LocalCloud['functions'] {
  const { functionSpecs } = resources;
  const live = (logicalId: string) => functions.runner(logicalId);
  return Object.fromEntries(
    functionSpecs.map((f, index) => [
      f.logicalId,
      {
        logicalId: f.logicalId,
        name: f.name,
        get memorySize() {
          return live(f.logicalId).spec.memorySize;
        },
        get timeoutSeconds() {
          return live(f.logicalId).spec.timeoutSeconds;
        },
        inspectPort: inspectPort === undefined ? undefined : inspectPort + index,
        get entry() {
          return live(f.logicalId).codeEntry;
        },
        get runtime() {
          return live(f.logicalId).spec.runtime;
        },
        get node() {
          return live(f.logicalId).node;
        },
      },
    ]),
  );
}
