// The Lambda API's JSON for a function and for an event source mapping.

import type { EventSourceMappingInfo, LambdaFunctionInfo } from './backend';

/** Every function and mapping was last modified when the local cloud started. */
const STARTED = new Date().toISOString().replace('Z', '+0000');

/** A function's `Configuration`, as GetFunctionConfiguration and ListFunctions return it. */
export function functionConfiguration(f: LambdaFunctionInfo) {
  return {
    FunctionName: f.name,
    FunctionArn: f.arn,
    Runtime: f.runtime,
    ...(f.runtimeVersionArn
      ? { RuntimeVersionConfig: { RuntimeVersionArn: f.runtimeVersionArn } }
      : {}),
    Role: f.roleArn,
    Handler: f.handler,
    CodeSize: 0,
    Description: f.description ?? '',
    Timeout: f.timeoutSeconds,
    MemorySize: f.memorySize,
    LastModified: STARTED,
    Version: '$LATEST',
    Environment: { Variables: f.environment },
    Architectures: f.architectures ?? ['x86_64'],
    PackageType: 'Zip',
    State: 'Active',
    LastUpdateStatus: 'Successful',
  };
}

/** An event source mapping, as GetEventSourceMapping and ListEventSourceMappings return it. */
export function mappingJson(m: EventSourceMappingInfo) {
  return {
    UUID: m.uuid,
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    EventSourceArn: m.eventSourceArn,
    FunctionArn: m.functionArn,
    LastModified: Date.parse(STARTED.replace('+0000', 'Z')) / 1000,
    State: m.enabled ? 'Enabled' : 'Disabled',
    StateTransitionReason: 'USER_INITIATED',
    FunctionResponseTypes: m.functionResponseTypes,
    ScalingConfig: { MaximumConcurrency: m.maximumConcurrency },
  };
}
