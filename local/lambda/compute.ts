/**
 * The functions CloudFormation deploys on the local cloud, across stacks: a runner per function
 * (its code unpacked from the S3 object the deploy uploaded), the SQS event source mappings that
 * feed them, the asynchronous invoker and the schedules that invoke them. Resource handlers add and
 * remove them; the Lambda API reads them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { unzipSync } from 'fflate';
import type { ConfigurationChanges } from '../endpoint/lambda';
import type { RoleSession } from '../iam/sessions';
import type { LogStore } from '../logs/store';
import type { ScheduleRunner } from '../scheduler/scheduler';
import { type AsyncInvokeConfig, AsyncInvoker } from './async-invoke';
import { callerEnvironment } from './caller-environment';
import type { SqsEventSource } from './event-source';
import { handlerEntry, logGroupOfSpec } from './function-spec';
import { FunctionRunner, type FunctionSpec } from './runtime';

/** What running functions needs from the cloud around it. */
export interface ComputeDeps {
  readonly region: string;
  readonly accountId: string;
  readonly endpointUrl: string;
  readonly logs: LogStore;
  /** An SQS client signing as a session (pollers, destinations, the scheduler). */
  readonly sqsAs: (session: RoleSession | undefined) => SQSClient;
  readonly timeScale: number;
  readonly log: (fields: Record<string, unknown>) => void;
  /**
   * Keep the functions' log lines in their groups. Lines nobody reads can be dropped at the
   * source, which saves a good share of CPU. @default true
   */
  readonly captureLogs?: boolean;
  /** Also hands each captured line to this sink, with the function's name. @default none */
  readonly functionLog?: (line: string, functionName: string) => void;
  /** Debug mode: each function's inspector on its own port from this one up. @default none */
  readonly inspectPort?: number;
  /**
   * Initialize an environment of each function as it is created, as Lambda may do ahead of the
   * invocations of an on-demand function. @default false
   */
  readonly preInitialize?: boolean;
}

/** A deployed function. */
export interface DeployedFunction {
  readonly runner: FunctionRunner;
  readonly session: RoleSession | undefined;
  /** Its template properties, as resolved (for GetFunction). */
  readonly properties: Record<string, unknown>;
  /** Its inspector's port, in debug mode. */
  readonly inspectPort?: number;
}

/** A handler file's name without its directory and extension. */
const entryFile = (entry: string) => basename(entry).replace(/\.(mjs|cjs|js)$/, '');

export class LambdaCompute {
  readonly functions = new Map<string, DeployedFunction>();
  readonly eventSources: SqsEventSource[] = [];
  readonly schedules: ScheduleRunner[] = [];
  readonly asyncConfigs = new Map<string, AsyncInvokeConfig>();
  readonly asyncInvoker: AsyncInvoker;
  /** Where deployment packages are unpacked; removed at stop. */
  readonly codeRoot = mkdtempSync(join(tmpdir(), 'local-cloud-code-'));
  /** Whether schedules fire; those created while they do not wait for {@link startSchedules}. */
  schedulesRunning = true;
  /** How many functions took an inspector port. */
  private inspectors = 0;

  constructor(readonly deps: ComputeDeps) {
    this.asyncInvoker = new AsyncInvoker({
      configs: this.asyncConfigs,
      invoke: (fn, payload, requestId) => this.runner(fn).invoke(payload, requestId),
      functionArn: (fn) => this.arnOf(this.runner(fn).spec.name),
      sqsFor: (fn) => deps.sqsAs(this.functions.get(this.runner(fn).spec.name)?.session),
      timeScale: deps.timeScale,
      log: deps.log,
    });
  }

  arnOf(name: string): string {
    return `arn:aws:lambda:${this.deps.region}:${this.deps.accountId}:function:${name}`;
  }

  /**
   * The runner of a function named by name or ARN.
   * @throws Error naming the function when there is none
   */
  runner(nameOrArn: string): FunctionRunner {
    const name = nameOrArn.startsWith('arn:') ? (nameOrArn.split(':')[6] ?? '') : nameOrArn;
    const found = this.functions.get(name)?.runner;
    if (!found) throw new Error(`Function not found: ${this.arnOf(name)}`);
    return found;
  }

  /** Unpacks a deployment package (a zip) and returns the directory holding its files. */
  unpack(name: string, zip: Uint8Array): string {
    const dir = mkdtempSync(join(this.codeRoot, `${name}-`));
    for (const [path, bytes] of Object.entries(unzipSync(zip))) {
      if (path.endsWith('/')) continue;
      const file = join(dir, path);
      if (!file.startsWith(`${dir}/`))
        throw new Error(`The deployment package has an unsafe path: ${path}`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, bytes);
    }
    return dir;
  }

  /** Starts running a function under its role session's credentials, its logs in its log group. */
  addFunction(
    spec: FunctionSpec,
    session: RoleSession | undefined,
    properties: Record<string, unknown>,
  ): void {
    const { deps } = this;
    const group = logGroupOfSpec(spec);
    const capture = deps.captureLogs !== false;
    if (capture) deps.logs.createGroup(group);
    const inspectPort =
      deps.inspectPort === undefined ? undefined : deps.inspectPort + this.inspectors++;
    const runner = new FunctionRunner(spec, {
      region: deps.region,
      accountId: deps.accountId,
      inspectPort,
      // Its init overlaps the rest of the deploy, and the first invocation finds it done.
      preInitialize: deps.preInitialize === true,
      environment: callerEnvironment(session, deps.endpointUrl),
      log: capture
        ? (line) => {
            deps.logs.append(group, line);
            deps.functionLog?.(line, spec.name);
          }
        : undefined,
    });
    this.functions.set(spec.name, { runner, session, properties, inspectPort });
    // Once per runtime: its functions run on the tools' Node, not the one it names.
    const { warning } = runner.node;
    if (warning && !this.warned.has(warning)) {
      this.warned.add(warning);
      deps.log({ level: 'WARN', message: warning });
    }
  }

  /** The runtime warnings already given. */
  private readonly warned = new Set<string>();

  /**
   * Runs new code for the function, as UpdateFunctionCode does: invocations that start now get
   * it in new environments; those in progress finish on the old code.
   */
  async updateCode(name: string, zip: Uint8Array): Promise<void> {
    const runner = this.runner(name);
    const dir = this.unpack(name, zip);
    const file = basename(runner.spec.entry);
    await runner.updateCode(join(dir, file));
  }

  /**
   * New configuration for the function, as UpdateFunctionConfiguration gives it: invocations
   * that start now get it in new environments; those in progress finish on the old.
   */
  async updateConfiguration(name: string, changes: ConfigurationChanges): Promise<void> {
    const deployed = this.functions.get(name);
    if (!deployed) throw new Error(`Function not found: ${this.arnOf(name)}`);
    const { spec } = deployed.runner;
    const handler = changes.handler ?? `${entryFile(spec.entry)}.${spec.handlerName}`;
    await deployed.runner.updateConfiguration({
      ...spec,
      ...handlerEntry(dirname(spec.entry), handler),
      environment: changes.environment ?? spec.environment,
      memorySize: changes.memorySize ?? spec.memorySize,
      timeoutSeconds: changes.timeoutSeconds ?? spec.timeoutSeconds,
    });
    const properties = {
      ...deployed.properties,
      Handler: handler,
      ...(changes.description === undefined ? {} : { Description: changes.description }),
    };
    this.functions.set(name, { ...deployed, properties });
  }

  /** Records a new version of the function (invocations keep running `$LATEST`); its number. */
  publishVersion(name: string): string {
    this.runner(name);
    const version = (this.versions.get(name) ?? 0) + 1;
    this.versions.set(name, version);
    return String(version);
  }

  private readonly versions = new Map<string, number>();

  async removeFunction(name: string): Promise<void> {
    const deployed = this.functions.get(name);
    this.functions.delete(name);
    await deployed?.runner.stop();
  }

  async removeEventSource(source: SqsEventSource): Promise<void> {
    const at = this.eventSources.indexOf(source);
    if (at >= 0) this.eventSources.splice(at, 1);
    await source.stop();
  }

  async removeSchedule(schedule: ScheduleRunner): Promise<void> {
    const at = this.schedules.indexOf(schedule);
    if (at >= 0) this.schedules.splice(at, 1);
    await schedule.stop();
  }

  /** Fires the schedules (again, after {@link stopSchedules}). */
  startSchedules(): void {
    this.schedulesRunning = true;
    for (const schedule of this.schedules) schedule.start();
  }

  /** Stops firing the schedules, after the runs in progress. */
  async stopSchedules(): Promise<void> {
    this.schedulesRunning = false;
    await Promise.all(this.schedules.map((s) => s.stop()));
  }

  /** Stops every trigger and function, and removes the unpacked code. */
  async stop(): Promise<void> {
    await Promise.all([...this.schedules, ...this.eventSources].map((t) => t.stop()));
    await this.asyncInvoker.stop();
    await Promise.all([...this.functions.values()].map((f) => f.runner.stop()));
    rmSync(this.codeRoot, { recursive: true, force: true });
  }
}
