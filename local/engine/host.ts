/**
 * A local cloud with no stack of its own: the stores and the one endpoint, for the CDK CLI (or any
 * CloudFormation client) to bootstrap and deploy stacks onto through CloudFormation.
 */
import type { LocalCloudFormation } from '../cloudformation/engine';
import { writeStateFile } from '../state/state-file';
import { openEndpoint } from './endpoint';
import { ApiMeter } from './meter';
import { startStores } from './stores';
import { Teardown } from './teardown';
import type { LocalCloudOptions } from './types';

/** A running cloud without a stack of its own. */
export interface CloudHost {
  readonly region: string;
  /** `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`. */
  readonly endpoint: string;
  readonly port: number;
  readonly cloudformation: LocalCloudFormation;
  stop(): Promise<void>;
}

/** Options of {@link startCloudHost}: those of a local cloud that concern no stack. */
export type CloudHostOptions = Pick<
  LocalCloudOptions,
  'port' | 'dataDir' | 'iam' | 'log' | 'stateFile' | 'faults'
>;

/** Starts the stores and the endpoint, with CloudFormation ready to take stacks. */
export async function startCloudHost(opts: CloudHostOptions = {}): Promise<CloudHost> {
  const teardown = new Teardown();
  try {
    const meter = new ApiMeter();
    const stores = await startStores(opts, meter, teardown);
    const endpoint = await openEndpoint(opts, stores, meter, teardown);
    const region = endpoint.cloudformation.registry.region;
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
