/**
 * What every part of the console's API shares: the target, its SDK clients (created once, the
 * rarely used ones on first use), the clock, and how failures are reported.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Target } from '../ops/target';

/**
 * A target as the console reads it, optionally with what only the engine of a local cloud running
 * in this process can tell (`console/local-target.ts` adds it).
 */
export interface ConsoleTarget extends Target {
  /**
   * Age of the oldest message of the queue at `url` in ms (0 when empty), or undefined when not
   * known. SQS has no attribute for it: on AWS it is the CloudWatch metric
   * `ApproximateAgeOfOldestMessage`.
   */
  readonly oldestMessageAgeMs?: (url: string) => number | undefined;
  /**
   * What the functions have written at each stage since the cloud started, from their metrics:
   * counts that follow a run live, where a table scan would lag behind it and cost the engine.
   */
  readonly liveStageCounts?: () => LiveStageCounts;
  /** Whether the tables were empty when `liveStageCounts` began counting. @default false */
  readonly tablesStartedEmpty?: boolean;
}

/** Items written at each stage, as the functions' metrics count them. */
export interface LiveStageCounts {
  readonly requested: number;
  readonly generated: number;
  readonly stored: number;
  readonly acknowledged: number;
}

/** Something the console was asked to do is refused or invalid; the message says why. */
export class ConsoleRequestError extends Error {
  override readonly name = 'ConsoleRequestError';
  constructor(
    message: string,
    /** HTTP status to answer with. */
    readonly status: number,
  ) {
    super(message);
  }
}

/** An AWS call failed; the message names the call and the resource. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
}

/** One sentence naming the call that failed and why. */
export function upstream(what: string, error: unknown): UpstreamError {
  const e = error as { name?: string; message?: string; code?: string };
  const reason =
    e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(e.message ?? '')
      ? 'nothing answers at the target endpoint'
      : `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
  return new UpstreamError(`${what} failed: ${reason}`);
}

/** The target, its clients and the clock, shared by the console's parts. */
export class ConsoleContext {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  private lambdaClient?: LambdaClient;
  private logsClient?: CloudWatchLogsClient;
  private cloudformationClient?: CloudFormationClient;

  constructor(
    readonly target: ConsoleTarget,
    /** Whether changes are allowed (always, except against AWS without --allow-writes). */
    readonly writable: boolean,
    readonly now: () => number,
  ) {
    this.sqs = new SQSClient(target.clientConfig('sqs'));
    this.dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
  }

  lambda(): LambdaClient {
    this.lambdaClient ??= new LambdaClient(this.target.clientConfig('lambda'));
    return this.lambdaClient;
  }

  logs(): CloudWatchLogsClient {
    this.logsClient ??= new CloudWatchLogsClient(this.target.clientConfig('logs'));
    return this.logsClient;
  }

  cloudformation(): CloudFormationClient {
    this.cloudformationClient ??= new CloudFormationClient(
      this.target.clientConfig('cloudformation'),
    );
    return this.cloudformationClient;
  }

  /** Throws a 403 naming `what` and the flag that would allow it, if changes are not allowed. */
  requireWrites(what: string): void {
    if (!this.writable) {
      throw new ConsoleRequestError(
        `Refused to ${what}: the console is read-only against AWS (${this.target.description}); restart it with --allow-writes to allow changes`,
        403,
      );
    }
  }

  /** Runs an AWS call; a failure becomes an {@link UpstreamError} naming `what`. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof ConsoleRequestError) throw error;
      throw upstream(what, error);
    }
  }

  /** Releases the SDK clients. */
  close(): void {
    this.sqs.destroy();
    this.dynamodb.destroy();
    this.lambdaClient?.destroy();
    this.logsClient?.destroy();
    this.cloudformationClient?.destroy();
  }
}
