/**
 * The cloud's host: the stores and the one endpoint with CloudFormation ready to take stacks, and
 * the compute that runs what CloudFormation deploys. `npm run cloud` runs it with no stack of its
 * own, for the CDK CLI (or any CloudFormation client) to bootstrap and deploy onto; `npm start`
 * deploys its assembly onto it in-process (start.ts).
 */
import { loadStack } from '../../aws/template';
import type { LocalCloudFormation } from '../cloudformation/engine';
import type { Stack } from '../cloudformation/model';
import { deploymentPackage } from '../cloudformation/resources/lambda-function';
import { ALARM_NOTIFICATIONS_PATH, alarmNotificationsRoute } from '../cloudwatch/route';
import { startMonitoring } from '../cloudwatch/start';
import { lambdaService } from '../endpoint/lambda';
import { lambdaApi } from '../lambda/api';
import { LambdaCompute } from '../lambda/compute';
import { type DeployTarget, deployAssembly } from '../stack/deploy';
import { writeStateFile } from '../state/state-file';
import { type EngineClients, engineClients } from './clients';
import { type OpenEndpoint, openEndpoint } from './endpoint';
import { waitForIdle } from './idle';
import { ApiMeter } from './meter';
import { type Stores, startStores } from './stores';
import { Teardown } from './teardown';
import type { LocalCloudOptions } from './types';

/** A running cloud without a stack of its own. */
export interface CloudHost {
  readonly region: string;
  /** `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`. */
  readonly endpoint: string;
  readonly port: number;
  readonly cloudformation: LocalCloudFormation;
  /** The functions CloudFormation deployed, with their triggers. */
  readonly compute: LambdaCompute;
  /**
   * Deploys a stack of a cloud assembly in-process, as `cdk deploy` would (see
   * local/stack/deploy.ts); resolves once it is complete.
   * @throws StackDeployError with the failed resource's reason when it rolled back
   */
  deploy(assemblyDir: string, stackName?: string): Promise<Stack>;
  /** Resolves when no source queue holds a message and nothing runs (see `LocalCloud`). */
  waitForIdle(opts?: { timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link startCloudHost}: those of a local cloud that concern no stack. */
export type CloudHostOptions = Pick<
  LocalCloudOptions,
  | 'port'
  | 'dataDir'
  | 'iam'
  | 'log'
  | 'stateFile'
  | 'faults'
  | 'allowHosts'
  | 'timeScale'
  | 'preInitialize'
> & {
  /** Run the schedules of the stacks deployed to it, as AWS does. @default true */
  readonly schedules?: boolean;
};

/** How the host runs functions, besides the options it shares with any cloud. */
export interface ComputeSettings {
  readonly timeScale: number;
  /** Keep function log lines (see `ComputeDeps.captureLogs`). */
  readonly captureLogs: boolean;
  readonly inspectPort?: number;
  /** Initialize an environment of each function as it is created. */
  readonly preInitialize: boolean;
  /** Whether schedules fire from their creation. */
  readonly schedules: boolean;
}

/** The running host's parts. */
export interface HostParts {
  readonly meter: ApiMeter;
  readonly stores: Stores;
  readonly endpoint: OpenEndpoint;
  readonly clients: EngineClients;
  readonly compute: LambdaCompute;
  /** Where an assembly is deployed in-process. */
  readonly target: DeployTarget;
}

/** Starts the stores, the endpoint and the compute; what starts is registered with `teardown`. */
export async function openHost(
  opts: LocalCloudOptions,
  settings: ComputeSettings,
  teardown: Teardown,
): Promise<HostParts> {
  const meter = new ApiMeter();
  const stores = await startStores(opts, meter, teardown);
  const endpoint = await openEndpoint(opts, stores, meter, teardown);
  stores.dataLock?.setEndpoint(endpoint.url);
  const clients = engineClients(endpoint.url, opts.iam !== false, teardown);
  const assetDirs = new Map<string, string>();
  const compute = startCompute(opts, settings, { stores, endpoint, clients, assetDirs }, teardown);
  const target = {
    cloudformation: endpoint.cloudformation,
    buckets: stores.sqs.buckets,
    assetDirs,
  };
  return { meter, stores, endpoint, clients, compute, target };
}

/** Starts the stores and the endpoint, with CloudFormation ready to take stacks. */
export async function startCloudHost(opts: CloudHostOptions = {}): Promise<CloudHost> {
  const teardown = new Teardown();
  try {
    const settings = {
      timeScale: opts.timeScale ?? 1,
      captureLogs: true,
      preInitialize: opts.preInitialize === true,
      schedules: opts.schedules ?? true,
    };
    const { stores, endpoint, compute, target } = await openHost(opts, settings, teardown);
    const region = endpoint.cloudformation.registry.region;
    if (opts.stateFile) {
      const endpoints = { sqs: endpoint.url, dynamodb: endpoint.url };
      const state = { region, endpoint: endpoint.url, endpoints, port: endpoint.port };
      teardown.addFinal(writeStateFile(opts.stateFile, { ...state, stackName: '', outputs: {} }));
    }
    let stopped = false;
    return {
      region,
      endpoint: endpoint.url,
      port: endpoint.port,
      cloudformation: endpoint.cloudformation,
      compute,
      deploy: (assemblyDir, stackName) => deployAssembly(target, loadStack(assemblyDir, stackName)),
      waitForIdle: (idle) => waitForIdle(idleParts(stores, compute), idle),
      async stop() {
        if (stopped) return;
        stopped = true;
        await endpoint.cloudformation.settled();
        await teardown.run();
      },
    };
  } catch (error) {
    await teardown.run();
    throw error;
  }
}

/** What `waitForIdle` watches: the source queues, every function and trigger. */
export function idleParts(stores: Stores, compute: LambdaCompute) {
  return {
    sqs: stores.sqs,
    runners: new Map([...compute.functions].map(([name, f]) => [name, f.runner])),
    eventSources: compute.eventSources,
    schedules: compute.schedules,
    asyncInvoker: compute.asyncInvoker,
  };
}

/**
 * What CloudFormation deploys functions, queues and tables with: the engine's clients and the
 * functions' registry, which the endpoint's Lambda API serves.
 */
function startCompute(
  opts: LocalCloudOptions,
  settings: ComputeSettings,
  parts: Pick<HostParts, 'stores' | 'endpoint' | 'clients'> & {
    assetDirs: ReadonlyMap<string, string>;
  },
  teardown: Teardown,
): LambdaCompute {
  const { stores, endpoint, clients } = parts;
  const { region, accountId } = endpoint.cloudformation.registry;
  const sink = opts.log;
  const compute = new LambdaCompute({
    region,
    accountId,
    endpointUrl: endpoint.url,
    logs: stores.logs,
    sqsAs: clients.sqsAs,
    timeScale: settings.timeScale,
    captureLogs: settings.captureLogs,
    functionLog: sink,
    inspectPort: settings.inspectPort,
    preInitialize: settings.preInitialize,
    log: (fields) =>
      sink?.(
        JSON.stringify({ timestamp: new Date().toISOString(), source: 'local-cloud', ...fields }),
      ),
  });
  compute.schedulesRunning = settings.schedules;
  teardown.add(() => compute.stop());
  endpoint.cloudformation.services.app = {
    sqs: clients.sqs,
    dynamodb: clients.dynamodb,
    compute,
    logs: stores.logs,
    wake: (url) => stores.sqs.wake(url),
    endpointUrl: endpoint.url,
    iam: opts.iam !== false,
    adoptTables: opts.dataDir !== undefined,
    assetDirs: parts.assetDirs,
  };
  const monitoring = startMonitoring({
    region,
    accountId,
    endpointUrl: endpoint.url,
    sqs: stores.sqs,
    timeScale: settings.timeScale,
    functionErrors: (name) => compute.functions.get(name)?.runner.metrics.errors,
  });
  teardown.add(() => monitoring.stop());
  endpoint.cloudformation.services.monitoring = monitoring;
  endpoint.routes.set(
    ALARM_NOTIFICATIONS_PATH,
    alarmNotificationsRoute(() => monitoring.alarms.history()),
  );
  endpoint.services.lambda = lambdaService({
    ...lambdaApi({
      propertiesOf: (spec) => compute.functions.get(spec.name)?.properties ?? {},
      mappingIdOf: (source) => source.spec.logicalId,
      runners: { values: () => [...compute.functions.values()].map((f) => f.runner) },
      runner: (fn) => compute.runner(fn),
      functionSessions: { get: (name) => compute.functions.get(name)?.session },
      eventSources: compute.eventSources,
      asyncInvoker: compute.asyncInvoker,
    }),
    async updateFunctionCode(name, code) {
      const zip =
        'zipFile' in code
          ? code.zipFile
          : deploymentPackage(stores.sqs.buckets, code.s3Bucket, code.s3Key);
      await compute.updateCode(name, zip);
    },
    updateFunctionConfiguration: (name, changes) => compute.updateConfiguration(name, changes),
    publishVersion: (name) => compute.publishVersion(name),
  });
  return compute;
}
