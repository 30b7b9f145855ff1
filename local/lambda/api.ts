/**
 * The Lambda API the endpoint serves for a running local cloud: ListFunctions/GetFunction from the
 * runners' specs, Invoke, and the event source mappings with their enabled switch.
 */

import { DEFAULT_REGION, LOCAL_ACCOUNT_ID } from '../../aws/defaults';
import type { EventSourceMappingInfo, LambdaBackend } from '../endpoint/lambda';
import { LocalCloudError } from '../engine/types';
import type { RoleSession } from '../iam/sessions';
import type { AsyncInvoker } from './async-invoke';
import type { SqsEventSource } from './event-source';
import { runtimeVersionOf } from './platform-log.mjs';
import type { FunctionRunner, FunctionSpec } from './runtime';

/** A function's ARN in the local cloud's account and region. */
export function arnOf(spec: FunctionSpec): string {
  return `arn:aws:lambda:${DEFAULT_REGION}:${LOCAL_ACCOUNT_ID}:function:${spec.name}`;
}

/** What the Lambda API reads and drives. */
export interface LambdaApiParts {
  /** A function's template properties (Runtime, Handler, Description, Architectures). */
  readonly propertiesOf: (spec: FunctionSpec) => Record<string, unknown>;
  /** A mapping's UUID, stable for the mapping. */
  readonly mappingIdOf: (source: SqsEventSource) => string;
  readonly runners: { values(): Iterable<FunctionRunner> };
  readonly runner: (fn: string) => FunctionRunner;
  /** Execution role sessions by function name. */
  readonly functionSessions: { get(name: string): RoleSession | undefined };
  readonly eventSources: readonly SqsEventSource[];
  readonly asyncInvoker: AsyncInvoker;
}

/**
 * The backend of the endpoint's Lambda service. A mapping disabled through the API pauses its
 * poller (after the batches in progress), as UpdateEventSourceMapping does.
 */
export function lambdaApi({
  propertiesOf,
  mappingIdOf,
  runners,
  runner,
  functionSessions,
  eventSources,
  asyncInvoker,
}: LambdaApiParts): Omit<
  LambdaBackend,
  'updateFunctionCode' | 'updateFunctionConfiguration' | 'publishVersion'
> {
  // Read on each call: mappings come and go as stacks are deployed.
  const mappings = () => new Map(eventSources.map((s) => [mappingIdOf(s), s]));
  /** Enabled switches set through the API, by mapping UUID; the template's otherwise. */
  const switched = new Map<string, boolean>();
  const enabled = (uuid: string, source: SqsEventSource) =>
    switched.get(uuid) ?? source.spec.enabled;
  return {
    functions: () =>
      [...runners.values()].map(({ spec, node }) => {
        const props = propertiesOf(spec);
        return {
          name: spec.name,
          arn: arnOf(spec),
          runtime: spec.runtime,
          // Names the Node the function really runs on (see platform-log.mjs).
          runtimeVersionArn: runtimeVersionOf(node.version, DEFAULT_REGION).runtimeVersionArn,
          handler: String(props.Handler ?? ''),
          roleArn: functionSessions.get(spec.name)?.role.arn ?? '',
          memorySize: spec.memorySize,
          timeoutSeconds: spec.timeoutSeconds,
          environment: spec.environment,
          description: typeof props.Description === 'string' ? props.Description : undefined,
          architectures: props.Architectures as string[] | undefined,
        };
      }),
    invoke: (name, payload) => runner(name).invoke(payload),
    invokeAsync(name, payload) {
      asyncInvoker.invoke(name, payload);
    },
    eventSourceMappings: () =>
      [...mappings()].map(
        ([uuid, source]): EventSourceMappingInfo => ({
          uuid,
          functionArn: arnOf(runner(source.spec.functionName).spec),
          eventSourceArn: source.spec.queueArn,
          batchSize: source.spec.batchSize,
          maximumBatchingWindowInSeconds: source.spec.maximumBatchingWindowInSeconds,
          functionResponseTypes: source.spec.reportBatchItemFailures
            ? ['ReportBatchItemFailures']
            : [],
          maximumConcurrency: source.spec.maximumConcurrency,
          enabled: enabled(uuid, source),
        }),
      ),
    async setMappingEnabled(uuid, on) {
      const source = mappings().get(uuid);
      if (!source) throw new LocalCloudError(`No event source mapping ${uuid}`);
      switched.set(uuid, on);
      if (on) source.resume();
      else await source.pause();
    },
  };
}
