/** The console's functions: configuration, recent log lines, invocation statistics, invoke. */
import { type FilteredLogEvent, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { Output } from '../contract/contract';
import { RequestStringsCommand, validate } from '../functions/shared/messages';
import { isOtherMajor, nodeOfRuntimeVersion } from '../ops/function-runtimes';
import { logGroupOf } from '../ops/functions';
import { withIdempotencyKey } from '../ops/idempotency-key';
import { platformLineAsText } from '../ops/log-format';
import { requireOutput } from '../ops/target';
import { type ConsoleContext, ConsoleRequestError, UpstreamError, upstream } from './context';
import { type InvocationStats, InvocationStatsReader, THROTTLES_NOTE } from './invocations';

/** The stack's functions, by the console's name for them. */
export const FUNCTION_KEYS = ['requestor', 'generator'] as const;
export type FunctionKey = (typeof FUNCTION_KEYS)[number];

/** A function's configuration and recent activity. */
export interface FunctionInfo {
  readonly key: FunctionKey;
  readonly name: string;
  readonly runtime?: string;
  /** The Node that really runs it (`v24.21.0`), when the target says (the local cloud does). */
  readonly node?: string;
  /** That Node is another major than the runtime names: no binary for it on the cloud's machine. */
  readonly otherMajor?: boolean;
  readonly architectures: string[];
  readonly memorySize?: number;
  readonly timeoutSeconds?: number;
  readonly environmentKeys: string[];
  /** The last log lines of the past 15 minutes, newest last. */
  readonly recentLogs: { timestamp: string; message: string }[];
  /** From its REPORT lines over the last minutes. */
  readonly stats: InvocationStats;
}

/** A function's statistics as the overview shows them, with what the throttle figure means here. */
export interface FunctionStats extends InvocationStats {
  readonly key: FunctionKey;
  readonly name: string;
  readonly throttlesNote: string;
}

/** Both functions, read through Lambda and CloudWatch Logs. */
export class Functions {
  private readonly statsReader: InvocationStatsReader;

  constructor(private readonly ctx: ConsoleContext) {
    this.statsReader = new InvocationStatsReader(ctx);
  }

  /** A function's physical name. */
  name(key: FunctionKey): string {
    return requireOutput(
      this.ctx.target,
      key === 'requestor' ? Output.RequestorFunctionName : Output.GeneratorFunctionName,
    );
  }

  /** Invocations, errors, throttles and p50/p99 duration of both functions over the last minutes. */
  async stats(): Promise<FunctionStats[]> {
    const names = FUNCTION_KEYS.map((key) => this.name(key));
    const byName = await this.statsReader.stats(names);
    const throttlesNote =
      this.ctx.target.kind === 'local' ? THROTTLES_NOTE.local : THROTTLES_NOTE.other;
    return FUNCTION_KEYS.map((key, i) => {
      const name = names[i] ?? '';
      const stats = byName[name] ?? {
        windowMinutes: 0,
        invocations: 0,
        errors: 0,
        errorsLastMinute: 0,
      };
      return { key, name, ...stats, throttlesNote };
    });
  }

  /** Both functions' configuration, recent log lines and statistics. */
  async list(): Promise<FunctionInfo[]> {
    const since = this.ctx.now() - 15 * 60_000;
    const stats = await this.stats();
    return Promise.all(
      FUNCTION_KEYS.map(async (key, i): Promise<FunctionInfo> => {
        const name = this.name(key);
        const [config, events] = await Promise.all([
          this.ctx
            .call(`GetFunction ${name}`, () =>
              this.ctx.lambda().send(new GetFunctionCommand({ FunctionName: name })),
            )
            .then((r) => r.Configuration ?? {}),
          this.logEvents(name, undefined, since, 1000),
        ]);
        const {
          key: _,
          name: __,
          throttlesNote: ___,
          ...own
        } = stats[i] ?? {
          windowMinutes: 0,
          invocations: 0,
          errors: 0,
          errorsLastMinute: 0,
        };
        const node = nodeOfRuntimeVersion(config.RuntimeVersionConfig?.RuntimeVersionArn);
        return {
          key,
          name,
          runtime: config.Runtime,
          node,
          otherMajor: isOtherMajor(config.Runtime, node),
          architectures: config.Architectures ?? [],
          memorySize: config.MemorySize,
          timeoutSeconds: config.Timeout,
          environmentKeys: Object.keys(config.Environment?.Variables ?? {}).sort(),
          recentLogs: events.slice(-30).map((e) => ({
            timestamp: new Date(e.timestamp ?? 0).toISOString(),
            message: readable(e.message ?? ''),
          })),
          stats: own,
        };
      }),
    );
  }

  /**
   * Invokes a function synchronously; the requestor's payload is checked against its schema and
   * gets an idempotency key unless it has one. The answer carries the payload as sent, key
   * included, so that a failed call can be retried with it and re-send the same requests.
   */
  async invoke(key: string, payload: unknown) {
    this.ctx.requireWrites('invoke a function');
    if (key !== 'requestor' && key !== 'generator') {
      throw new ConsoleRequestError(
        `No function ${key}: the stack has requestor and generator`,
        404,
      );
    }
    const keyed = key === 'requestor' ? withIdempotencyKey(payload) : { payload };
    if (key === 'requestor') {
      try {
        validate(RequestStringsCommand, keyed.payload, 'requestor payload');
      } catch (error) {
        throw new ConsoleRequestError((error as Error).message, 400);
      }
    }
    const name = this.name(key);
    const sent = JSON.stringify(keyed.payload);
    const out = await this.ctx
      .call(`Invoke ${name}`, () =>
        this.ctx
          .lambda()
          .send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(sent) })),
      )
      .catch((error: unknown) => {
        if (keyed.idempotencyKey === undefined) throw error;
        throw new UpstreamError(
          `${(error as Error).message}; retry with the payload ${sent} to re-send the same requests`,
        );
      });
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    let result: unknown = text;
    try {
      result = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: show it as it came.
    }
    return {
      functionError: out.FunctionError,
      result,
      payload: keyed.payload,
      idempotencyKey: keyed.idempotencyKey,
    };
  }

  /** Both functions' log lines that contain `term`, oldest first (at most 100 per function). */
  async linesWith(
    term: string,
  ): Promise<{ function: string; timestamp: string; message: string }[]> {
    const lists = await Promise.all(
      FUNCTION_KEYS.map(async (key) => {
        const events = await this.logEvents(this.name(key), term, 0, 100);
        return events.map((e) => ({
          function: key,
          timestamp: new Date(e.timestamp ?? 0).toISOString(),
          message: readable(e.message ?? ''),
        }));
      }),
    );
    return lists.flat().sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  }

  private async logEvents(
    functionName: string,
    term: string | undefined,
    since: number,
    limit: number,
  ): Promise<FilteredLogEvent[]> {
    const group = logGroupOf(this.ctx.target.outputs, functionName);
    try {
      const { events = [] } = await this.ctx.logs().send(
        new FilterLogEventsCommand({
          logGroupName: group,
          startTime: since,
          limit,
          ...(term ? { filterPattern: `"${term}"` } : {}),
        }),
      );
      return events;
    } catch (error) {
      // No log group yet: the function has not run (or does not log) on this target.
      if ((error as Error).name === 'ResourceNotFoundException') return [];
      throw upstream(`FilterLogEvents on ${group}`, error);
    }
  }
}

/**
 * A log event as people read it: the platform's JSON records (the functions log in Lambda's JSON
 * format) as the START, END and REPORT lines they stand for, as `npm run logs` shows them.
 */
function readable(message: string): string {
  return platformLineAsText(message) ?? message;
}
