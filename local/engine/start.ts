/**
 * `startLocalCloud`: the cloud started in named phases. The host starts (stores, endpoint,
 * compute), the synthesized assembly is deployed onto it through its CloudFormation as
 * `cdk deploy` would deploy it (bootstrap, assets, change set), and the running cloud holds the
 * parts. A phase that fails stops what the earlier ones started.
 */
import { resolve } from 'node:path';
import { loadStack, resourcesOfType, type StackArtifact } from '../../aws/template';
import { startRuntimeHosts } from '../lambda/runtime';
import { deployAssembly, StackDeployError } from '../stack/deploy';
import { synthesize } from '../stack/synth';
import { refuseIfDataDirInUse } from '../state/lock';
import { refuseIfRunning, writeStateFile } from '../state/state-file';
import { openHost } from './host';
import { RunningCloud } from './running-cloud';
import { Teardown } from './teardown';
import { type LocalCloud, LocalCloudError, type LocalCloudOptions } from './types';

const DEFAULT_OUTDIR = '.local-cloud/cdk.out';

/** Logs a line of the cloud's own diagnostics. */
export type Diagnostic = (fields: Record<string, unknown>) => void;

/**
 * Starts a local cloud running the synthesized stack: SQS (fauxqs) and DynamoDB (dynalite) behind
 * one endpoint on 127.0.0.1, each function in its own worker-thread environments, SQS event source
 * mappings and schedules emulated as AWS documents them. Each method of {@link LocalCloud} is
 * documented there.
 *
 * @throws TemplateError if the template holds something the local cloud cannot run
 * @throws LocalCloudError if the stack fails to deploy, with the failed resource's reason
 */
export async function startLocalCloud(opts: LocalCloudOptions = {}): Promise<LocalCloud> {
  // A synth's promise is awaited in the deploy's phase; a refusal before it must not leave the
  // synth's failure unhandled.
  if (opts.assemblyDir instanceof Promise) opts.assemblyDir.catch(() => {});
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0))
    throw new LocalCloudError(`timeScale must be a positive number, got ${timeScale}`);
  const log = diagnosticSink(opts.log);
  if (opts.stateFile) refuseIfRunning(opts.stateFile);
  if (opts.dataDir) refuseIfDataDirInUse(opts.dataDir);
  const assembly = opts.assemblyDir ?? synthesize(resolve(DEFAULT_OUTDIR), opts.context);
  const teardown = new Teardown();
  // An assembly at hand: the runtime hosts start now, before the host opens. A synth still
  // running: the host opens meanwhile, and they start in the deploy's phase, once the template
  // names their runtimes (never after a failed start has given everything back).
  const stack =
    typeof assembly === 'string'
      ? withRuntimeHosts(loadStack(assembly, opts.stackName), teardown)
      : assembly;
  try {
    const cloud = await startPhases(stack, { ...opts, timeScale }, teardown);
    log({
      level: 'INFO',
      message: 'Local cloud started',
      stackName: cloud.stackName,
      endpoints: cloud.endpoints,
    });
    return cloud;
  } catch (error) {
    await teardown.run();
    if (error instanceof StackDeployError) throw new LocalCloudError(error.message);
    throw error;
  }
}

/** Starts the hosts of the stack's runtimes, which `teardown` gives back; returns the stack. */
function withRuntimeHosts(stack: StackArtifact, teardown: Teardown): StackArtifact {
  teardown.add(startRuntimeHosts(functionRuntimes(stack)));
  return stack;
}

/** The Node.js runtimes the stack's functions name (`nodejs24.x`, ...). */
function functionRuntimes(stack: StackArtifact): string[] {
  return resourcesOfType(stack, 'AWS::Lambda::Function')
    .map(([, properties]) => properties.Runtime)
    .filter(
      (runtime): runtime is string => typeof runtime === 'string' && runtime.startsWith('nodejs'),
    );
}

/** The phases, in order; what each starts is registered with `teardown`. */
async function startPhases(
  pending: StackArtifact | Promise<string>,
  opts: LocalCloudOptions & { readonly timeScale: number },
  teardown: Teardown,
): Promise<RunningCloud> {
  const host = await openHost(
    opts,
    {
      timeScale: opts.timeScale,
      // Function logs feed the Logs API whenever someone reads them: a log sink, or an endpoint
      // on a chosen port. Otherwise the lines are dropped at the source, which saves CPU.
      captureLogs: opts.log !== undefined || opts.port !== undefined,
      inspectPort: opts.inspectPort,
      preInitialize: opts.preInitialize === true,
      schedules: opts.schedules === true,
    },
    teardown,
  );
  const stack =
    pending instanceof Promise
      ? withRuntimeHosts(loadStack(await pending, opts.stackName), teardown)
      : pending;
  await deployAssembly(host.target, stack);
  const cloud = new RunningCloud({ ...host, stack, teardown, timeScale: opts.timeScale });
  // In debug mode each inspector is open from the start, for a debugger to attach before invoking.
  if (opts.inspectPort !== undefined)
    await Promise.all([...host.compute.functions.values()].map((f) => f.runner.warm()));
  if (opts.stateFile) {
    const { endpoint } = host;
    const removeStateFile = writeStateFile(opts.stateFile, {
      region: cloud.region,
      endpoint: endpoint.url,
      endpoints: cloud.endpoints,
      port: endpoint.port,
      stackName: stack.stackName,
      outputs: cloud.outputs,
    });
    // Removed last: the file is the lock, held until every port is free.
    teardown.addFinal(removeStateFile);
  }
  host.meter.reset();
  return cloud;
}

/** The cloud's own diagnostics, one JSON line each, to the log sink. */
function diagnosticSink(sink: LocalCloudOptions['log']): Diagnostic {
  return (fields) =>
    sink?.(
      JSON.stringify({ timestamp: new Date().toISOString(), source: 'local-cloud', ...fields }),
    );
}
