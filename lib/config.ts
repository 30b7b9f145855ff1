/**
 * The pipeline's settings: their CDK context keys, defaults and validation. It loads nothing from
 * aws-cdk-lib, so a tool can check a context before it pays for a synth.
 */

import type { Node } from 'constructs';
import { nearest } from './nearest';

/** Deployment stage: decides the stack name and what happens to data when the stack is deleted. */
export type Stage = 'dev' | 'prod';

/**
 * Everything the stack can be tuned with, resolved and validated.
 *
 * Each field is read from CDK context under the same name (`cdk synth -c batchSize=20`, or the
 * `context` block of `cdk.json`). Values given with `-c` arrive as strings; they are parsed here and
 * rejected with an error naming the key. A key that is none of these (nor CDK's own: `aws:cdk:*`,
 * `@aws-cdk/...` feature flags) is refused with the nearest valid key suggested.
 *
 * | Context key                  | Default | Meaning                                                                 |
 * | ---------------------------- | ------- | ----------------------------------------------------------------------- |
 * | `stage`                      | `dev`   | `dev` or `prod`. The stack is `StringPipeline` for dev, `StringPipeline-prod` for prod. dev destroys tables, queues and log groups with the stack; prod retains them and turns on table deletion protection. |
 * | `scheduleEnabled`            | `true`  | Whether the schedule that invokes the requestor is enabled (`true`/`false`). |
 * | `scheduleRateMinutes`        | `1`     | Minutes between scheduled requestor invocations (integer, >= 1).        |
 * | `requestsPerTick`            | `10`    | Strings requested per scheduled invocation (1..10000); also the requestor's `DEFAULT_REQUEST_COUNT`. |
 * | `batchSize`                  | `10`    | Messages per Lambda invocation for every queue consumer (1..10000; above 10 needs `maxBatchingWindowSeconds` >= 1). |
 * | `maxBatchingWindowSeconds`   | `1`     | Seconds an event source mapping may wait to fill a batch (0..300).      |
 * | `maxConcurrency`             | `5`     | Maximum concurrent invocations per event source mapping (2..1000).      |
 * | `maxReceiveCount`            | `5`     | Receives before a message moves to its queue's DLQ (5..1000).           |
 * | `oldestMessageAlarmSeconds`  | `300`   | Alarm when the oldest message in a source queue is at least this old, in seconds (60..1209600). |
 * | `memorySize`                 | `256`   | Memory of both functions in MB (128..10240).                            |
 * | `logRetentionDays`           | `30`    | Days the functions' logs are kept; one of CloudWatch's allowed values (1, 3, 5, 7, 14, 30, 60, 90, ...). |
 * | `requestorTimeoutSeconds`    | `30`    | Requestor timeout (1..900); the response queue's visibility timeout is derived from it. |
 * | `generatorTimeoutSeconds`    | `10`    | Generator timeout (1..900); the request and ack queues' visibility timeouts are derived from it. |
 * | `alarmEmail`                 | none    | An email address every alarm (and its recovery) is sent to through the alarm topic; the owner confirms the subscription once. |
 * | `nag`                        | `false` | `bin/app.ts` only: run the cdk-nag AwsSolutions checks during synth.    |
 */
export interface PipelineConfig {
  /** @default 'dev' */
  readonly stage: Stage;
  /** @default true */
  readonly scheduleEnabled: boolean;
  /** @default 1 */
  readonly scheduleRateMinutes: number;
  /** @default 10 */
  readonly requestsPerTick: number;
  /** @default 10 */
  readonly batchSize: number;
  /** @default 1 */
  readonly maxBatchingWindowSeconds: number;
  /** @default 5 */
  readonly maxConcurrency: number;
  /** @default 5 */
  readonly maxReceiveCount: number;
  /** @default 300 */
  readonly oldestMessageAlarmSeconds: number;
  /** @default 256 */
  readonly memorySize: number;
  /** @default 30 */
  readonly logRetentionDays: number;
  /** @default 30 */
  readonly requestorTimeoutSeconds: number;
  /** @default 10 */
  readonly generatorTimeoutSeconds: number;
  /** @default - no subscription */
  readonly alarmEmail?: string;
}

/** The defaults, in one place. */
export const DEFAULT_CONFIG: PipelineConfig = {
  stage: 'dev',
  scheduleEnabled: true,
  scheduleRateMinutes: 1,
  requestsPerTick: 10,
  batchSize: 10,
  maxBatchingWindowSeconds: 1,
  maxConcurrency: 5,
  maxReceiveCount: 5,
  oldestMessageAlarmSeconds: 300,
  memorySize: 256,
  logRetentionDays: 30,
  requestorTimeoutSeconds: 30,
  generatorTimeoutSeconds: 10,
};

/** Retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/**
 * Raised when a context value, config field or construct setting is unusable; the message names
 * the key.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The stack's id and CloudFormation name for a stage. */
export function stackNameFor(stage: Stage): string {
  return stage === 'dev' ? 'StringPipeline' : `StringPipeline-${stage}`;
}

/**
 * Reads the pipeline settings from CDK context (see {@link PipelineConfig} for the keys), fills in
 * defaults, applies `overrides` (for tests and programmatic use) and validates the result.
 *
 * @throws ConfigError naming the offending key
 */
export function loadConfig(node: Node, overrides: Partial<PipelineConfig> = {}): PipelineConfig {
  return configFromContext(node.getAllContext(), overrides);
}

/**
 * {@link loadConfig} from the context as a plain object (`cdk.json`'s merged with `-c` values):
 * what a tool checks before it pays for loading aws-cdk-lib and synthesizing.
 *
 * @throws ConfigError naming the offending key
 */
export function configFromContext(
  context: Readonly<Record<string, unknown>>,
  overrides: Partial<PipelineConfig> = {},
): PipelineConfig {
  refuseUnknownContextKeys(Object.keys(context));
  const raw = (key: keyof PipelineConfig): unknown => context[key];
  const fromContext: Partial<Record<keyof PipelineConfig, unknown>> = {};
  for (const key of Object.keys(DEFAULT_CONFIG) as (keyof PipelineConfig)[]) {
    const value = raw(key);
    if (value !== undefined && value !== null && value !== '') fromContext[key] = value;
  }
  const parsed: PipelineConfig = {
    stage: parseStage(fromContext.stage ?? DEFAULT_CONFIG.stage),
    scheduleEnabled: parseBoolean(
      'scheduleEnabled',
      fromContext.scheduleEnabled ?? DEFAULT_CONFIG.scheduleEnabled,
    ),
    ...Object.fromEntries(
      INTEGER_KEYS.map((key) => [key, parseInteger(key, fromContext[key] ?? DEFAULT_CONFIG[key])]),
    ),
  } as PipelineConfig;
  const email = context.alarmEmail;
  if (email !== undefined && email !== null && email !== '') {
    Object.assign(parsed, { alarmEmail: email });
  }
  return validateConfig({ ...parsed, ...overrides });
}

/** Context keys the app reads besides the {@link PipelineConfig} fields. */
const APP_CONTEXT_KEYS = ['alarmEmail', 'nag'] as const;

/** Keys without `:` or a leading `@` that the CDK CLI itself keeps in context. */
const CDK_CONTEXT_KEYS = ['acknowledged-issue-numbers', 'cli-telemetry'] as const;

/**
 * Refuses context keys that nothing reads, naming the nearest valid key: a typo
 * (`-c batchsize=0`) would otherwise be ignored and the default silently used. CDK's own keys
 * (`aws:cdk:*`, feature flags under `@aws-cdk/`, lookups with `:` in the key) are not ours to judge.
 *
 * @throws ConfigError naming the unknown key
 */
export function refuseUnknownContextKeys(keys: readonly string[]): void {
  const valid: readonly string[] = [...Object.keys(DEFAULT_CONFIG), ...APP_CONTEXT_KEYS];
  for (const key of keys) {
    if (key.includes(':') || key.startsWith('@') || valid.includes(key)) continue;
    if ((CDK_CONTEXT_KEYS as readonly string[]).includes(key)) continue;
    // A suggestion more than a third rewritten would be a guess, not a correction.
    const near = nearest(key, valid);
    const hint = near ? `did you mean "${near}"?` : `valid keys: ${valid.join(', ')}`;
    throw new ConfigError(`unknown context key "${key}" (${hint})`);
  }
}

const INTEGER_KEYS = [
  'scheduleRateMinutes',
  'requestsPerTick',
  'batchSize',
  'maxBatchingWindowSeconds',
  'maxConcurrency',
  'maxReceiveCount',
  'oldestMessageAlarmSeconds',
  'memorySize',
  'logRetentionDays',
  'requestorTimeoutSeconds',
  'generatorTimeoutSeconds',
] as const satisfies readonly (keyof PipelineConfig)[];

/**
 * Checks ranges and the rules that tie settings together (the ones AWS would otherwise reject at
 * deploy time, or that would quietly make the pipeline misbehave).
 *
 * @throws ConfigError naming the offending key
 */
export function validateConfig(config: PipelineConfig): PipelineConfig {
  parseStage(config.stage);
  inRange(config, 'scheduleRateMinutes', 1, 1440);
  inRange(config, 'requestsPerTick', 1, 10_000);
  inRange(config, 'batchSize', 1, 10_000);
  inRange(config, 'maxBatchingWindowSeconds', 0, 300);
  if (config.batchSize > 10 && config.maxBatchingWindowSeconds < 1) {
    throw new ConfigError(
      `batchSize ${config.batchSize} is above 10, which SQS event sources only allow with a batching window: set maxBatchingWindowSeconds to at least 1 (got ${config.maxBatchingWindowSeconds})`,
    );
  }
  inRange(config, 'maxConcurrency', 2, 1000);
  validateMaxReceiveCount(config.maxReceiveCount);
  inRange(config, 'oldestMessageAlarmSeconds', 60, 1_209_600);
  inRange(config, 'memorySize', 128, 10_240);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(config.logRetentionDays)) {
    throw new ConfigError(
      `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${config.logRetentionDays}`,
    );
  }
  inRange(config, 'requestorTimeoutSeconds', 1, 900);
  inRange(config, 'generatorTimeoutSeconds', 1, 900);
  // Deliberately loose: SNS checks the address by mailing it; this catches typos and stray values.
  if (
    config.alarmEmail !== undefined &&
    (typeof config.alarmEmail !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(config.alarmEmail))
  ) {
    throw new ConfigError(
      `alarmEmail must be an email address like ops@example.com, got ${JSON.stringify(config.alarmEmail)}`,
    );
  }
  return config;
}

/**
 * Checks the receives before a message is dead-lettered (a redrive policy's `maxReceiveCount`):
 * 5..1000. AWS advises at least 5 for Lambda sources, so throttling alone cannot dead-letter a
 * message; SQS allows at most 1000. The config and `QueueWithDlq` both check it here.
 *
 * @throws ConfigError naming `maxReceiveCount`
 */
export function validateMaxReceiveCount(value: number): number {
  integerInRange('maxReceiveCount', value, 5, 1000);
  return value;
}

function inRange(
  config: PipelineConfig,
  key: (typeof INTEGER_KEYS)[number],
  min: number,
  max: number,
): void {
  integerInRange(key, config[key], min, max);
}

function integerInRange(key: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

function parseStage(value: unknown): Stage {
  if (value === 'dev' || value === 'prod') return value;
  throw new ConfigError(`stage must be "dev" or "prod", got ${JSON.stringify(value)}`);
}

function parseBoolean(key: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(`${key} must be true or false, got ${JSON.stringify(value)}`);
}

function parseInteger(key: string, value: unknown): number {
  const number = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) {
    throw new ConfigError(`${key} must be an integer, got ${JSON.stringify(value)}`);
  }
  return number;
}
