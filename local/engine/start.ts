/**
 * `startLocalCloud`: the cloud started in named phases, each returning a typed part. The stores
 * start, the endpoint opens in front of them, the stack is provisioned through it, the functions
 * start, then the triggers that invoke them; the running cloud holds the parts. A phase that fails
 * stops what the earlier ones started.
 */
import { resolve } from 'node:path';
import { loadStack, type StackArtifact } from '../../aws/template';
import { synthesize } from '../stack/synth';
import { refuseIfDataDirInUse } from '../state/lock';
import { refuseIfRunning, writeStateFile } from '../state/state-file';
import { engineClients } from './clients';
import { openEndpoint } from './endpoint';
import { startFunctions } from './functions';
import { ApiMeter } from './meter';
import { provision } from './resources';
import type { Diagnostic } from './roles';
import { RunningCloud } from './running-cloud';
import { startStores } from './stores';
import { Teardown } from './teardown';
import { buildTriggers } from './triggers';
import { type LocalCloud, LocalCloudError, type LocalCloudOptions } from './types';

const DEFAULT_OUTDIR = '.local-cloud/cdk.out';

/**
 * Starts a local cloud running the synthesized stack: SQS (fauxqs) and DynamoDB (dynalite) behind
 * one endpoint on 127.0.0.1, each function in its own worker-thread environments, SQS event source
 * mappings and schedules emulated as AWS documents them. Each method of {@link LocalCloud} is
 * documented there.
 *
 * @throws TemplateError if the template holds something the local cloud cannot run
 */
export async function startLocalCloud(opts: LocalCloudOptions = {}): Promise<LocalCloud> {
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0))
    throw new LocalCloudError(`timeScale must be a positive number, got ${timeScale}`);
  const log = diagnosticSink(opts.log);
  if (opts.stateFile) refuseIfRunning(opts.stateFile);
  if (opts.dataDir) refuseIfDataDirInUse(opts.dataDir);
  const stack = loadStack(
    opts.assemblyDir ?? synthesize(resolve(DEFAULT_OUTDIR), opts.context),
    opts.stackName,
  );
  const teardown = new Teardown();
  try {
    const cloud = await startPhases(stack, { ...opts, timeScale }, log, teardown);
    log({
      level: 'INFO',
      message: 'Local cloud started',
      stackName: stack.stackName,
      endpoints: cloud.endpoints,
    });
    return cloud;
  } catch (error) {
    await teardown.run();
    throw error;
  }
}

/** The phases, in order; what each starts is registered with `teardown`. */
async function startPhases(
  stack: StackArtifact,
  opts: LocalCloudOptions & { readonly timeScale: number },
  log: Diagnostic,
  teardown: Teardown,
): Promise<RunningCloud> {
  const { timeScale } = opts;
  const iam = opts.iam !== false;
  const meter = new ApiMeter();
  const stores = await startStores(opts, meter, teardown);
  const endpoint = await openEndpoint(opts, stores, meter, teardown);
  stores.dataLock?.setEndpoint(endpoint.url);
  const clients = engineClients(endpoint.url, iam, teardown);
  const resources = await provision(stack, endpoint, clients, { timeScale, iam, log });
  const functions = await startFunctions(opts, resources, endpoint.url, stores.logs, teardown);
  const triggerContext = {
    stack,
    resources,
    functions,
    clients,
    sqs: stores.sqs,
    timeScale,
    iam,
    log,
  };
  const triggers = buildTriggers(triggerContext, teardown);
  const cloud = new RunningCloud({
    stack,
    stores,
    endpoint,
    clients,
    resources,
    functions,
    triggers,
    meter,
    teardown,
    timeScale,
    inspectPort: opts.inspectPort,
  });
  cloud.bindServices();
  for (const source of triggers.eventSources) source.start();
  if (opts.schedules) for (const schedule of triggers.schedules) schedule.start();
  if (opts.stateFile) {
    const state = { region: cloud.region, endpoint: endpoint.url, endpoints: cloud.endpoints };
    const removeStateFile = writeStateFile(opts.stateFile, {
      ...state,
      port: endpoint.port,
      stackName: stack.stackName,
      outputs: resources.outputs,
    });
    // Removed last: the file is the lock, held until every port is free.
    teardown.addFinal(removeStateFile);
  }
  meter.reset();
  return cloud;
}

/** The cloud's own diagnostics, one JSON line each, to the log sink. */
function diagnosticSink(sink: LocalCloudOptions['log']): Diagnostic {
  return (fields) =>
    sink?.(
      JSON.stringify({ timestamp: new Date().toISOString(), source: 'local-cloud', ...fields }),
    );
}
