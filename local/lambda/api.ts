/**
 * The Lambda API the endpoint serves for a running local cloud: ListFunctions/GetFunction from the
 * runners' specs, Invoke, and the event source mappings with their enabled switch.
 */

import { DEFAULT_REGION, LOCAL_ACCOUNT_ID } from '../../aws/defaults';
import type { StackArtifact } from '../../aws/template';
import type { EventSourceMappingInfo, LambdaBackend } from '../endpoint/lambda';
import { LocalCloudError } from '../engine/types';
import type { RoleSession } from '../iam/sessions';
import { mappingUuid } from '../stack/info';
import type { AsyncInvoker } from './async-invoke';
import type { SqsEventSource } from './event-source';
import type { FunctionRunner, FunctionSpec } from './runtime';

/** A function's ARN in the local cloud's account and region. */
export function arnOf(spec: FunctionSpec): string {
  return `arn:aws:lambda:${DEFAULT_REGION}:${LOCAL_ACCOUNT_ID}:function:${spec.name}`;
}

/** What the Lambda API reads and drives. */
export interface LambdaApiParts {
  readonly stack: StackArtifact;
  readonly runners: ReadonlyMap<string, FunctionRunner>;
  readonly runner: (fn: string) => FunctionRunner;
  /** Execution role sessions by function name. */
  readonly functionSessions: ReadonlyMap<string, RoleSession>;
  readonly eventSources: readonly SqsEventSource[];
  readonly asyncInvoker: AsyncInvoker;
}

/**
 * The backend of the endpoint's Lambda service. A mapping disabled through the API pauses its
 * poller (after the batches in progress), as UpdateEventSourceMapping does.
 */
export function lambdaApi({
  stack,
  runners,
  runner,
  functionSessions,
  eventSources,
  asyncInvoker,
}: LambdaApiParts): LambdaBackend {
  const mappingUuids = new Map(
    eventSources.map((s) => [mappingUuid(stack.stackName, s.spec.logicalId), s]),
  );
  const disabledMappings = new Set(
    [...mappingUuids].filter(([, s]) => !s.spec.enabled).map(([uuid]) => uuid),
  );
  return {
    functions: () =>
      [...runners.values()].map(({ spec }) => {
        const props = stack.resources[spec.logicalId]?.Properties ?? {};
        return {
          name: spec.name,
          arn: arnOf(spec),
          runtime: String(props.Runtime ?? ''),
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
      [...mappingUuids].map(
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
          enabled: !disabledMappings.has(uuid),
        }),
      ),
    async setMappingEnabled(uuid, enabled) {
      const source = mappingUuids.get(uuid);
      if (!source) throw new LocalCloudError(`No event source mapping ${uuid}`);
      if (enabled) {
        disabledMappings.delete(uuid);
        source.resume();
      } else {
        disabledMappings.add(uuid);
        await source.pause();
      }
    },
  };
}
