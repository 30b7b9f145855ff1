/**
 * A started local cloud: the host's parts and the stack deployed onto it, implementing
 * {@link LocalCloud} (each method is documented there). What the stack holds is read from its
 * CloudFormation record, so a stack update shows at once.
 */
import { DEFAULT_REGION } from '../../aws/defaults';
import { LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES } from '../../aws/limits';
import { loadStack, type StackArtifact } from '../../aws/template';
import type { DeployedResource, Stack } from '../cloudformation/model';
import { localVisibilityTimeout } from '../cloudformation/resources/sqs-queue';
import type { FaultSpec } from '../endpoint/faults';
import type { RouteHandler } from '../endpoint/gateway';
import type { FunctionRunner } from '../lambda/runtime';
import { planUpdate } from '../stack/deploy';
import { isEmptyPlan, planOfChanges, StackUpdateError } from '../stack/update';
import { adminClientConfig } from './clients';
import { type HostParts, idleParts } from './host';
import { waitForIdle } from './idle';
import type { Teardown } from './teardown';
import { type LocalCloud, LocalCloudError, type LocalCloudMetrics, type LocalQueue } from './types';

/** What the start-up phases returned. */
export interface CloudParts extends HostParts {
  /** The template deployed first (an update deploys another). */
  readonly stack: StackArtifact;
  readonly teardown: Teardown;
  readonly timeScale: number;
}

export class RunningCloud implements LocalCloud {
  readonly region = DEFAULT_REGION;
  readonly endpoint: string;
  readonly endpoints: { readonly sqs: string; readonly dynamodb: string };
  readonly stackName: string;
  private stopped = false;

  constructor(private readonly parts: CloudParts) {
    this.endpoint = parts.endpoint.url;
    this.endpoints = { sqs: this.endpoint, dynamodb: this.endpoint };
    this.stackName = parts.stack.stackName;
  }

  /** The stack as the local CloudFormation holds it. */
  private get record(): Stack {
    return this.parts.endpoint.cloudformation.registry.get(this.stackName);
  }

  private resourcesOfType(type: string): DeployedResource[] {
    return [...this.record.resources.values()].filter((r) => r.type === type);
  }

  get outputs(): Record<string, string> {
    return Object.fromEntries(this.record.outputs.map((o) => [o.key, o.value]));
  }

  get queues(): LocalCloud['queues'] {
    const { template } = this.record;
    const queues = this.resourcesOfType('AWS::SQS::Queue').map((q): LocalQueue => {
      const policy = q.properties.RedrivePolicy as
        | { deadLetterTargetArn?: string; maxReceiveCount?: number | string }
        | undefined;
      return {
        logicalId: q.logicalId,
        name: q.attributes.QueueName ?? '',
        url: q.physicalId,
        arn: q.attributes.Arn ?? '',
        ...(policy?.deadLetterTargetArn
          ? {
              dlqArn: policy.deadLetterTargetArn,
              maxReceiveCount: Number(policy.maxReceiveCount),
            }
          : {}),
        visibilityTimeoutSeconds: localVisibilityTimeout(
          template,
          q.logicalId,
          q.properties.VisibilityTimeout,
          this.parts.timeScale,
        ),
      };
    });
    return Object.fromEntries(queues.map((q) => [q.logicalId, q]));
  }

  get tables(): LocalCloud['tables'] {
    const tables = this.resourcesOfType('AWS::DynamoDB::Table');
    return Object.fromEntries(
      tables.map((t) => [t.logicalId, { logicalId: t.logicalId, name: t.physicalId }]),
    );
  }

  get functions(): LocalCloud['functions'] {
    const { compute } = this.parts;
    const described = this.resourcesOfType('AWS::Lambda::Function').flatMap((f) => {
      const deployed = compute.functions.get(f.physicalId);
      return deployed ? [describeFunction(f.logicalId, deployed)] : [];
    });
    return Object.fromEntries(described.map((f) => [f.logicalId, f]));
  }

  /**
   * The runner of a function named by logical id, name or ARN.
   * @throws LocalCloudError naming the stack's functions when there is none
   */
  private runner(fn: string): FunctionRunner {
    const functions = this.resourcesOfType('AWS::Lambda::Function');
    const name = functions.find((f) => f.logicalId === fn)?.physicalId ?? fn;
    try {
      return this.parts.compute.runner(name);
    } catch {
      const known = functions.map((f) => `${f.physicalId} (${f.logicalId})`);
      throw new LocalCloudError(`No function ${fn}; this stack has ${known.join(', ')}`);
    }
  }

  updateFunctionCode(fn: string, entry: string): Promise<void> {
    return this.runner(fn).updateCode(entry);
  }

  /**
   * Applies the other assembly's template with one CloudFormation change set, executed when
   * nothing in it needs a new cloud, discarded otherwise.
   */
  async updateStack(assemblyDir: string): ReturnType<LocalCloud['updateStack']> {
    const planned = planUpdate(this.parts.target, loadStack(assemblyDir, this.stackName));
    const plan = planOfChanges(planned.changes, (id) => this.record.resources.get(id)?.type);
    if (plan.recreate.length > 0 || isEmptyPlan(plan)) {
      planned.discard();
      if (plan.recreate.length > 0) throw new StackUpdateError(plan);
      return plan;
    }
    await planned.execute();
    return plan;
  }

  clientConfig(_service?: 'sqs' | 'dynamodb'): ReturnType<LocalCloud['clientConfig']> {
    return adminClientConfig(this.endpoint);
  }

  roleCredentials(fn: string): ReturnType<LocalCloud['roleCredentials']> {
    const session = this.parts.compute.functions.get(this.runner(fn).spec.name)?.session;
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
    return { requestId: this.parts.compute.asyncInvoker.invoke(target.spec.name, event) };
  }

  /** The mappings that feed `fn`. */
  private sourcesOf(fn: string) {
    const name = this.runner(fn).spec.name;
    return this.parts.compute.eventSources.filter((s) => s.spec.functionName === name);
  }

  async pauseConsumer(fn: string): Promise<void> {
    await Promise.all(this.sourcesOf(fn).map((s) => s.pause()));
  }

  resumeConsumer(fn: string): void {
    for (const source of this.sourcesOf(fn)) source.resume();
  }

  stopSchedules(): Promise<void> {
    return this.parts.compute.stopSchedules();
  }

  startSchedules(): void {
    this.parts.compute.startSchedules();
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
    return waitForIdle(idleParts(this.parts.stores, this.parts.compute), opts);
  }

  metrics(): LocalCloudMetrics {
    const { meter } = this.parts;
    return {
      calls: { ...meter.calls },
      writeRequestUnits: meter.writeRequestUnits,
      readRequestUnits: meter.readRequestUnits,
      lambda: Object.fromEntries(
        this.runners().map((r) => [r.spec.name, { ...r.metrics, memorySize: r.spec.memorySize }]),
      ),
    };
  }

  resetMetrics(): void {
    this.parts.meter.reset();
    for (const r of this.runners())
      Object.assign(r.metrics, {
        invocations: 0,
        errors: 0,
        totalDurationMs: 0,
        coldStarts: 0,
        maxMemoryUsedMB: 0,
      });
  }

  private runners(): FunctionRunner[] {
    return [...this.parts.compute.functions.values()].map((f) => f.runner);
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

/** A function as `LocalCloud` shows it: its configuration read live from its runner. */
function describeFunction(
  logicalId: string,
  { runner, inspectPort }: { runner: FunctionRunner; inspectPort?: number },
): LocalCloud['functions'][string] {
  return {
    logicalId,
    name: runner.spec.name,
    get memorySize() {
      return runner.spec.memorySize;
    },
    get timeoutSeconds() {
      return runner.spec.timeoutSeconds;
    },
    inspectPort,
    get entry() {
      return runner.codeEntry;
    },
    get runtime() {
      return runner.spec.runtime;
    },
    get node() {
      return runner.node;
    },
  };
}
