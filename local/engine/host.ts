/**
 * A local cloud with no stack of its own: the stores and the one endpoint, for the CDK CLI (or any
 * CloudFormation client) to bootstrap and deploy stacks onto through CloudFormation.
 */
import type { LocalCloudFormation } from '../cloudformation/engine';
import { startMonitoring } from '../cloudwatch/start';
import { lambdaService } from '../endpoint/lambda';
import { lambdaApi } from '../lambda/api';
import { LambdaCompute } from '../lambda/compute';
import { writeStateFile } from '../state/state-file';
import { engineClients } from './clients';
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
  /** Resolves when no source queue holds a message and nothing runs (see `LocalCloud`). */
  waitForIdle(opts?: { timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link startCloudHost}: those of a local cloud that concern no stack. */
export type CloudHostOptions = Pick<
  LocalCloudOptions,
  'port' | 'dataDir' | 'iam' | 'log' | 'stateFile' | 'faults' | 'allowHosts' | 'timeScale'
>;

/** Starts the stores and the endpoint, with CloudFormation ready to take stacks. */
export async function startCloudHost(opts: CloudHostOptions = {}): Promise<CloudHost> {
  const teardown = new Teardown();
  try {
    const meter = new ApiMeter();
    const stores = await startStores(opts, meter, teardown);
    const endpoint = await openEndpoint(opts, stores, meter, teardown);
    stores.dataLock?.setEndpoint(endpoint.url);
    const region = endpoint.cloudformation.registry.region;
    const compute = startCompute(opts, stores, endpoint, teardown);
    if (opts.stateFile) {
      const state = {
        region,
        endpoint: endpoint.url,
        endpoints: { sqs: endpoint.url, dynamodb: endpoint.url },
      };
      teardown.addFinal(
        writeStateFile(opts.stateFile, {
          ...state,
          port: endpoint.port,
          stackName: '',
          outputs: {},
        }),
      );
    }
    let stopped = false;
    return {
      region,
      endpoint: endpoint.url,
      port: endpoint.port,
      cloudformation: endpoint.cloudformation,
      compute,
      waitForIdle: (idle) =>
        waitForIdle(
          {
            sqs: stores.sqs,
            runners: new Map([...compute.functions].map(([name, f]) => [name, f.runner])),
            eventSources: compute.eventSources,
            schedules: compute.schedules,
            asyncInvoker: compute.asyncInvoker,
          },
          idle,
        ),
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

/**
 * What CloudFormation deploys functions, queues and tables with: the engine's clients and the
 * functions' registry, which the endpoint's Lambda API serves.
 */
function startCompute(
  opts: CloudHostOptions,
  stores: Stores,
  endpoint: OpenEndpoint,
  teardown: Teardown,
): LambdaCompute {
  const iam = opts.iam !== false;
  const clients = engineClients(endpoint.url, iam, teardown);
  const { region, accountId } = endpoint.cloudformation.registry;
  const sink = opts.log;
  const compute = new LambdaCompute({
    region,
    accountId,
    endpointUrl: endpoint.url,
    logs: stores.logs,
    sqsAs: clients.sqsAs,
    timeScale: 1,
    log: (fields) => sink?.(JSON.stringify({ source: 'local-cloud', ...fields })),
  });
  teardown.add(() => compute.stop());
  endpoint.cloudformation.services.app = {
    sqs: clients.sqs,
    dynamodb: clients.dynamodb,
    compute,
    logs: stores.logs,
    wake: (url) => stores.sqs.wake(url),
    endpointUrl: endpoint.url,
    iam,
  };
  const monitoring = startMonitoring({
    region,
    accountId,
    endpointUrl: endpoint.url,
    sqs: stores.sqs,
    timeScale: opts.timeScale,
  });
  teardown.add(() => monitoring.stop());
  endpoint.cloudformation.services.monitoring = monitoring;
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
        'zipFile' in code ? code.zipFile : stores.sqs.buckets.read(code.s3Bucket, code.s3Key);
      if (!zip)
        throw new Error(
          `Error occurred while GetObject. S3 Error Code: NoSuchKey (${JSON.stringify(code)})`,
        );
      await compute.updateCode(name, zip);
    },
  });
  return compute;
}
