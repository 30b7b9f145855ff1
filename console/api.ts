/**
 * The console's data: what the page shows and the actions it offers, read and done only through
 * the AWS APIs and the stack's outputs, so the same code serves the local cloud, LocalStack and
 * a deployed stack. `server.ts` maps these methods to HTTP routes.
 */

import { CloudFormationClient, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import {
  CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Output, QUEUES, type QueueKey, Status } from '../functions/shared/contract';
import {
  AckMessage,
  parseBody,
  RequestMessage,
  RequestStringsCommand,
  ResponseMessage,
  SCHEMA_VERSION,
  validate,
} from '../functions/shared/messages';
import { type DeadLetter, peek } from '../ops/inspect';
import { parsePlatformReport } from '../ops/log-format';
import { scanAll } from '../ops/reconcile';
import { type RedriveResult, redrive } from '../ops/redrive';
import { requireOutput, type Target } from '../ops/target';

/**
 * A queue of the stack, as the console names it: `request`, `request-dlq`, ..., and
 * `schedule-dlq` (or another name) for queues the stack has beyond the pipeline's six.
 */
export type QueueId = `${Lowercase<QueueKey>}` | `${Lowercase<QueueKey>}-dlq` | (string & {});

/** A queue's depth and settings. */
export interface QueueInfo {
  readonly id: QueueId;
  readonly name: string;
  readonly url: string;
  readonly isDlq: boolean;
  /** A pipeline DLQ, whose messages a redrive sends back to its source queue. */
  readonly redrivable: boolean;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly retentionSeconds?: number;
  /** For a source queue: where its failures go and after how many receives. */
  readonly redrivePolicy?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

/** Items per status, with when they were counted. */
export interface StageCounts {
  readonly requested: number;
  readonly generated: number;
  readonly stored: number;
  readonly acknowledged: number;
  readonly deadLettered: number;
  /** ISO time of the table count these come from (counts are refreshed at most every few seconds). */
  readonly countedAt: string;
}

/** The overview page's data. */
export interface Overview {
  readonly target: string;
  readonly queues: QueueInfo[];
  readonly stages: StageCounts;
  /** Round trips completed per second, oldest first, one sample per count. */
  readonly roundTripsPerSecond: { at: string; value: number }[];
  /** Why a figure the page could show is missing on this target. */
  readonly notes: string[];
}

/** An alarm of the template, evaluated on the queues' current attributes. */
export interface AlarmState {
  readonly name: string;
  readonly description: string;
  readonly state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  readonly reason: string;
}

/** A page of a table's items. */
export interface TablePage {
  readonly table: string;
  readonly items: Record<string, unknown>[];
  /** Pass back as `start` for the next page; absent on the last page. */
  readonly next?: string;
  /** Items DynamoDB read for this page (the filter applies after the read). */
  readonly scanned: number;
}

/** Everything known about one request. */
export interface Journey {
  readonly requestId: string;
  readonly request?: Record<string, unknown>;
  readonly string?: Record<string, unknown>;
  readonly deadLetters: (DeadLetter & { queue: QueueId })[];
  readonly logs: { function: string; timestamp: string; message: string }[];
}

/** A function's configuration and recent activity. */
export interface FunctionInfo {
  readonly key: 'requestor' | 'generator';
  readonly name: string;
  readonly runtime?: string;
  readonly architectures: string[];
  readonly memorySize?: number;
  readonly timeoutSeconds?: number;
  readonly environmentKeys: string[];
  /** The last log lines of the past 15 minutes, newest last. */
  readonly recentLogs: { timestamp: string; message: string }[];
  /** From REPORT lines, where the target writes them. */
  readonly reports: { invocations: number; p50Ms?: number; p99Ms?: number };
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

/** Options of {@link ConsoleApi}. */
export interface ConsoleApiOptions {
  /** Allow send, purge, redrive and invoke against AWS. @default false (always allowed elsewhere) */
  readonly allowWrites?: boolean;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

const MESSAGE_SCHEMAS = {
  request: RequestMessage,
  response: ResponseMessage,
  ack: AckMessage,
} as const;
const RATE_SAMPLES = 60;
/** Table counts are a scan; this bounds how often one runs, whatever the polling rate. */
const MIN_COUNT_INTERVAL_MS = 2000;

/**
 * The console's data API over one target. Its SDK clients are created once; table counts are
 * cached, and refreshed no more often than every 2 s or ten times the last count's duration,
 * whichever is longer, so polling stays cheap while a run fills the tables.
 */
export class ConsoleApi {
  private readonly sqs: SQSClient;
  private readonly dynamodb: DynamoDBClient;
  private lambdaClient?: LambdaClient;
  private logsClient?: CloudWatchLogsClient;
  private readonly now: () => number;
  private counts?: Promise<Omit<StageCounts, 'deadLettered'>>;
  private countsUntil = 0;
  private readonly rate: { at: number; acknowledged: number }[] = [];
  /** Queues of the stack beyond the six in its outputs (the schedule's DLQ), by id: URL. */
  private extraQueues?: Promise<Map<string, string>>;
  private readonly extraNotes: string[] = [];

  constructor(
    readonly target: Target,
    private readonly options: ConsoleApiOptions = {},
  ) {
    this.sqs = new SQSClient(target.clientConfig('sqs'));
    this.dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
    this.now = options.now ?? Date.now;
  }

  /** Whether this console may change things on its target. */
  get writable(): boolean {
    return this.target.kind !== 'aws' || this.options.allowWrites === true;
  }

  /** What the page needs once: the target, whether writes are allowed, example messages. */
  meta() {
    const now = new Date(this.now()).toISOString();
    const requestId = '01JD0000000000000000000000';
    return {
      target: this.target.description,
      kind: this.target.kind,
      writable: this.writable,
      queues: this.queueIds(),
      examples: {
        request: { v: SCHEMA_VERSION, type: 'request', requestId, requestedAt: now },
        response: {
          v: SCHEMA_VERSION,
          type: 'response',
          requestId,
          value: 'A'.repeat(64),
          generatedAt: now,
        },
        ack: { v: SCHEMA_VERSION, type: 'ack', requestId, storedAt: now },
        invoke: { count: 5 },
      },
    };
  }

  /** Queue depths, counts by stage and the round-trip rate. */
  async overview(): Promise<Overview> {
    const [queues, counts] = await Promise.all([this.queues(), this.stageCounts()]);
    const deadLettered = queues
      .filter((q) => q.isDlq)
      .reduce((n, q) => n + q.visible + q.inFlight + q.delayed, 0);
    return {
      target: this.target.description,
      queues,
      stages: { ...counts, deadLettered },
      roundTripsPerSecond: this.rateSeries(),
      notes: [
        'Age of the oldest message is a CloudWatch metric, which the SQS API does not expose; the console does not read CloudWatch metrics.',
        ...this.extraNotes,
      ],
    };
  }

  /** Every queue of the stack with its depth and settings. */
  async queues(): Promise<QueueInfo[]> {
    const extra = await this.otherQueues();
    return Promise.all(
      [...this.queueIds(), ...extra.keys()].map((id) => this.queueInfo(id, extra.get(id))),
    );
  }

  /** Up to `limit` messages of a queue, without consuming them (zero visibility timeout). */
  async peek(id: string, limit: number): Promise<DeadLetter[]> {
    const url = (await this.otherQueues()).get(id) ?? this.queueUrl(id);
    return this.call(`ReceiveMessage on ${id}`, () => peek(this.sqs, url, limit));
  }

  /**
   * Sends `body` to a source queue. The body must pass the queue's message schema unless
   * `allowInvalid` is set, which sends it as it is (to test how the pipeline rejects it).
   */
  async send(id: string, body: string, allowInvalid: boolean): Promise<{ messageId: string }> {
    this.requireWrites('send a message');
    const queue = this.sourceQueue(id);
    if (!allowInvalid) {
      try {
        parseBody(MESSAGE_SCHEMAS[queue], body, `${queue} message`);
      } catch (error) {
        throw new ConsoleRequestError(
          `${(error as Error).message} (tick "send invalid on purpose" to send it anyway)`,
          400,
        );
      }
    }
    const url = this.queueUrl(id);
    const { MessageId = '' } = await this.call(`SendMessage to ${id}`, () =>
      this.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body })),
    );
    return { messageId: MessageId };
  }

  /** Deletes every message of a queue; `confirm` must repeat the queue's id. */
  async purge(id: string, confirm: unknown): Promise<{ purged: QueueId }> {
    this.requireWrites('purge a queue');
    const url = (await this.otherQueues()).get(id) ?? this.queueUrl(id);
    if (confirm !== id) {
      throw new ConsoleRequestError(`Purging ${id} needs confirmation: type ${id} to confirm`, 400);
    }
    await this.call(`PurgeQueue on ${id}`, () =>
      this.sqs.send(new PurgeQueueCommand({ QueueUrl: url })),
    );
    return { purged: id as QueueId };
  }

  /** Moves a DLQ's messages (all, or up to `max`) back to its source queue. */
  async redrive(id: string, max: number | undefined): Promise<RedriveResult> {
    this.requireWrites('redrive a dead-letter queue');
    const queue = QUEUES.find((q) => `${q.toLowerCase()}-dlq` === id);
    if (!queue) throw new ConsoleRequestError(`${id} is not a dead-letter queue of the stack`, 404);
    const [result] = await this.call(`redrive of ${id}`, () =>
      redrive(this.target, { queues: [queue], ...(max === undefined ? {} : { max }) }),
    );
    if (!result) throw new UpstreamError(`The redrive of ${id} reported nothing`);
    return result;
  }

  /** One page of a table, optionally only items with `status` (a filter, applied after the read). */
  async table(
    which: string,
    options: { status?: string; limit?: number; start?: string },
  ): Promise<TablePage> {
    const table = this.tableName(which);
    const limit = Math.min(Math.max(options.limit ?? 25, 1), 100);
    let startKey: Record<string, AttributeValue> | undefined;
    if (options.start) {
      try {
        startKey = JSON.parse(Buffer.from(options.start, 'base64url').toString('utf8'));
      } catch {
        throw new ConsoleRequestError('The page token is not one this console gave out', 400);
      }
    }
    const {
      Items = [],
      LastEvaluatedKey,
      ScannedCount = 0,
    } = await this.call(`Scan of ${table}`, () =>
      this.dynamodb.send(
        new ScanCommand({
          TableName: table,
          Limit: limit,
          ExclusiveStartKey: startKey,
          ...(options.status
            ? {
                FilterExpression: '#status = :status',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':status': { S: options.status } },
              }
            : {}),
        }),
      ),
    );
    return {
      table,
      items: Items.map(plain),
      scanned: ScannedCount,
      ...(LastEvaluatedKey
        ? { next: Buffer.from(JSON.stringify(LastEvaluatedKey)).toString('base64url') }
        : {}),
    };
  }

  /** A request's items in both tables, its dead letters and the log lines that name it. */
  async journey(requestId: string): Promise<Journey> {
    if (!/^[0-9A-Za-z]{1,64}$/.test(requestId)) {
      throw new ConsoleRequestError(`${JSON.stringify(requestId)} is not a request id`, 400);
    }
    const key = { requestId: { S: requestId } };
    const get = (table: string) =>
      this.call(`GetItem on ${table}`, () =>
        this.dynamodb.send(
          new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
        ),
      ).then((r) => (r.Item ? plain(r.Item) : undefined));
    const [request, string, deadLetters, logs] = await Promise.all([
      get(requireOutput(this.target, Output.RequestsTableName)),
      get(requireOutput(this.target, Output.StringsTableName)),
      Promise.all(
        QUEUES.map(async (q) => {
          const id = `${q.toLowerCase()}-dlq` as QueueId;
          const letters = await this.peek(id, 50);
          return letters
            .filter((m) => m.body.includes(requestId))
            .map((m) => ({ ...m, queue: id }));
        }),
      ).then((all) => all.flat()),
      this.functionLogs(requestId),
    ]);
    return {
      requestId,
      ...(request ? { request } : {}),
      ...(string ? { string } : {}),
      deadLetters,
      logs,
    };
  }

  /** Both functions' configuration, recent log lines and REPORT-line statistics. */
  async functions(): Promise<FunctionInfo[]> {
    const since = this.now() - 15 * 60_000;
    return Promise.all(
      (['requestor', 'generator'] as const).map(async (key): Promise<FunctionInfo> => {
        const name = this.functionName(key);
        const [config, events] = await Promise.all([
          this.call(`GetFunction ${name}`, () =>
            this.lambda().send(new GetFunctionCommand({ FunctionName: name })),
          ).then((r) => r.Configuration ?? {}),
          this.logEvents(name, undefined, since, 1000),
        ]);
        const durations = events
          // Text REPORT lines and platform.report records (LogFormat JSON) alike.
          .map((e) => parsePlatformReport(e.message ?? '')?.durationMs)
          .filter((d): d is number => d !== undefined)
          .sort((a, b) => a - b);
        return {
          key,
          name,
          runtime: config.Runtime,
          architectures: config.Architectures ?? [],
          memorySize: config.MemorySize,
          timeoutSeconds: config.Timeout,
          environmentKeys: Object.keys(config.Environment?.Variables ?? {}).sort(),
          recentLogs: events.slice(-30).map((e) => ({
            timestamp: new Date(e.timestamp ?? 0).toISOString(),
            message: e.message ?? '',
          })),
          reports: {
            invocations: durations.length,
            ...(durations.length > 0
              ? { p50Ms: percentile(durations, 0.5), p99Ms: percentile(durations, 0.99) }
              : {}),
          },
        };
      }),
    );
  }

  /** Invokes a function synchronously; the requestor's payload is checked against its schema. */
  async invoke(key: string, payload: unknown) {
    this.requireWrites('invoke a function');
    if (key !== 'requestor' && key !== 'generator') {
      throw new ConsoleRequestError(
        `No function ${key}: the stack has requestor and generator`,
        404,
      );
    }
    if (key === 'requestor') {
      try {
        validate(RequestStringsCommand, payload, 'requestor payload');
      } catch (error) {
        throw new ConsoleRequestError((error as Error).message, 400);
      }
    }
    const name = this.functionName(key);
    const out = await this.call(`Invoke ${name}`, () =>
      this.lambda().send(
        new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)) }),
      ),
    );
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    let result: unknown = text;
    try {
      result = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: show it as it came.
    }
    return { functionError: out.FunctionError, result };
  }

  /**
   * The template's alarms, evaluated on the current queue attributes: each DLQ's "not empty"
   * alarm, and each source queue's oldest-message alarm, which needs a CloudWatch metric.
   */
  async alarms(): Promise<AlarmState[]> {
    const queues = await this.queues();
    return queues.map((q): AlarmState => {
      if (q.isDlq) {
        const count = q.visible + q.inFlight + q.delayed;
        return {
          name: `${q.name.replace(/-dlq$/, '')}-dlq-not-empty`,
          description: `Messages in ${q.name}: they failed too often or were rejected`,
          state: count > 0 ? 'ALARM' : 'OK',
          reason: `${count} message${count === 1 ? '' : 's'} in ${q.name}`,
        };
      }
      return {
        name: `${q.name}-oldest-message-age`,
        description: `The oldest message in ${q.name} is too old: its consumer is failing or falling behind`,
        state: q.visible + q.delayed === 0 ? 'OK' : 'INSUFFICIENT_DATA',
        reason:
          q.visible + q.delayed === 0
            ? `${q.name} is empty`
            : 'ApproximateAgeOfOldestMessage is a CloudWatch metric the SQS API does not expose',
      };
    });
  }

  /** Releases the SDK clients. */
  close(): void {
    this.sqs.destroy();
    this.dynamodb.destroy();
    this.lambdaClient?.destroy();
    this.logsClient?.destroy();
  }

  private queueIds(): QueueId[] {
    return QUEUES.flatMap((q) => {
      const id = q.toLowerCase() as Lowercase<QueueKey>;
      return [id, `${id}-dlq`] as QueueId[];
    });
  }

  private queueUrl(id: string): string {
    const queue = QUEUES.find((q) => q.toLowerCase() === id.replace(/-dlq$/, ''));
    if (!queue || !this.queueIds().includes(id as QueueId)) {
      throw new ConsoleRequestError(
        `No queue ${id}: the stack has ${this.queueIds().join(', ')}`,
        404,
      );
    }
    return requireOutput(this.target, id.endsWith('-dlq') ? `${queue}DlqUrl` : `${queue}QueueUrl`);
  }

  private sourceQueue(id: string): keyof typeof MESSAGE_SCHEMAS {
    if (id === 'request' || id === 'response' || id === 'ack') return id;
    throw new ConsoleRequestError(
      `Messages are sent to request, response or ack, not ${id} (a dead letter comes back through a redrive)`,
      400,
    );
  }

  private async queueInfo(id: QueueId, extraUrl?: string): Promise<QueueInfo> {
    const url = extraUrl ?? this.queueUrl(id);
    const { Attributes: a = {} } = await this.call(`GetQueueAttributes on ${id}`, () =>
      this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })),
    );
    const n = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    let redrivePolicy: QueueInfo['redrivePolicy'];
    if (a.RedrivePolicy) {
      const p = JSON.parse(a.RedrivePolicy) as {
        deadLetterTargetArn: string;
        maxReceiveCount: unknown;
      };
      redrivePolicy = {
        deadLetterTargetArn: p.deadLetterTargetArn,
        maxReceiveCount: Number(p.maxReceiveCount),
      };
    }
    return {
      id,
      name: decodeURIComponent(url.split('/').pop() ?? id),
      url,
      isDlq: id.endsWith('-dlq'),
      redrivable: extraUrl === undefined && id.endsWith('-dlq'),
      visible: n(a.ApproximateNumberOfMessages) ?? 0,
      inFlight: n(a.ApproximateNumberOfMessagesNotVisible) ?? 0,
      delayed: n(a.ApproximateNumberOfMessagesDelayed) ?? 0,
      visibilityTimeoutSeconds: n(a.VisibilityTimeout),
      retentionSeconds: n(a.MessageRetentionPeriod),
      ...(redrivePolicy ? { redrivePolicy } : {}),
    };
  }

  /**
   * The stack's queues that are not among its outputs (the schedule's DLQ), from
   * ListStackResources, read once. Without CloudFormation access the console shows the six it
   * knows from the outputs and says so.
   */
  private otherQueues(): Promise<Map<string, string>> {
    this.extraQueues ??= (async () => {
      const known = new Set(Object.values(this.target.outputs));
      const found = new Map<string, string>();
      const cloudformation = new CloudFormationClient(this.target.clientConfig('cloudformation'));
      try {
        for await (const page of paginateListStackResources(
          { client: cloudformation },
          { StackName: this.target.stackName },
        )) {
          for (const r of page.StackResourceSummaries ?? []) {
            const url = r.PhysicalResourceId ?? '';
            if (r.ResourceType !== 'AWS::SQS::Queue' || known.has(url)) continue;
            const id = /schedule/i.test(r.LogicalResourceId ?? '')
              ? 'schedule-dlq'
              : (r.LogicalResourceId ?? url).toLowerCase();
            found.set(found.has(id) ? `${id}-${found.size}` : id, url);
          }
        }
      } catch (error) {
        this.extraNotes.push(
          `Only the queues in the stack outputs are shown: ${upstream(`ListStackResources on ${this.target.stackName}`, error).message}.`,
        );
      } finally {
        cloudformation.destroy();
      }
      return found;
    })();
    return this.extraQueues;
  }

  private tableName(which: string): string {
    if (which === 'requests') return requireOutput(this.target, Output.RequestsTableName);
    if (which === 'strings') return requireOutput(this.target, Output.StringsTableName);
    throw new ConsoleRequestError(`No table ${which}: the stack has requests and strings`, 404);
  }

  private functionName(key: 'requestor' | 'generator'): string {
    return requireOutput(
      this.target,
      key === 'requestor' ? Output.RequestorFunctionName : Output.GeneratorFunctionName,
    );
  }

  /** Counts by status from both tables, cached (see the class comment). */
  private stageCounts(): Promise<Omit<StageCounts, 'deadLettered'>> {
    if (this.counts && this.now() < this.countsUntil) return this.counts;
    const started = this.now();
    // Until this count finishes, callers share it instead of starting another.
    this.countsUntil = Number.POSITIVE_INFINITY;
    const counting = (async () => {
      const [requests, strings] = await Promise.all([
        this.call('Scan of the Requests table', () =>
          scanAll(this.dynamodb, requireOutput(this.target, Output.RequestsTableName)),
        ),
        this.call('Scan of the Strings table', () =>
          scanAll(this.dynamodb, requireOutput(this.target, Output.StringsTableName)),
        ),
      ]);
      const count = (items: typeof requests, status: string) =>
        [...items.values()].filter((i) => i.status === status).length;
      const counts = {
        requested: requests.size,
        generated: strings.size,
        stored: count(requests, Status.Stored),
        acknowledged: count(strings, Status.Acknowledged),
        countedAt: new Date(this.now()).toISOString(),
      };
      this.rate.push({ at: this.now(), acknowledged: counts.acknowledged });
      if (this.rate.length > RATE_SAMPLES + 1) this.rate.shift();
      return counts;
    })();
    this.counts = counting;
    counting.then(
      () => {
        this.countsUntil =
          this.now() + Math.max(MIN_COUNT_INTERVAL_MS, 10 * (this.now() - started));
      },
      () => {
        // A failed count is not cached: the next poll tries again.
        this.counts = undefined;
        this.countsUntil = 0;
      },
    );
    return counting;
  }

  private rateSeries(): Overview['roundTripsPerSecond'] {
    const series: Overview['roundTripsPerSecond'] = [];
    for (let i = 1; i < this.rate.length; i++) {
      const a = this.rate[i - 1];
      const b = this.rate[i];
      if (!a || !b || b.at <= a.at) continue;
      const value = Math.max(0, ((b.acknowledged - a.acknowledged) * 1000) / (b.at - a.at));
      series.push({ at: new Date(b.at).toISOString(), value: Math.round(value * 10) / 10 });
    }
    return series;
  }

  private async functionLogs(term: string): Promise<Journey['logs']> {
    const lists = await Promise.all(
      (['requestor', 'generator'] as const).map(async (key) => {
        const events = await this.logEvents(this.functionName(key), term, 0, 100);
        return events.map((e) => ({
          function: key,
          timestamp: new Date(e.timestamp ?? 0).toISOString(),
          message: e.message ?? '',
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
    const group = `/aws/lambda/${functionName}`;
    try {
      const { events = [] } = await this.logs().send(
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

  private lambda(): LambdaClient {
    this.lambdaClient ??= new LambdaClient(this.target.clientConfig('lambda'));
    return this.lambdaClient;
  }

  private logs(): CloudWatchLogsClient {
    this.logsClient ??= new CloudWatchLogsClient(this.target.clientConfig('logs'));
    return this.logsClient;
  }

  private requireWrites(what: string): void {
    if (!this.writable) {
      throw new ConsoleRequestError(
        `Refused to ${what}: the console is read-only against AWS (${this.target.description}); restart it with --allow-writes to allow changes`,
        403,
      );
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof ConsoleRequestError) throw error;
      throw upstream(what, error);
    }
  }
}

/** One sentence naming the call that failed and why. */
function upstream(what: string, error: unknown): UpstreamError {
  const e = error as { name?: string; message?: string; code?: string };
  const reason =
    e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(e.message ?? '')
      ? 'nothing answers at the target endpoint'
      : `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
  return new UpstreamError(`${what} failed: ${reason}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** A DynamoDB item as plain JSON (strings, numbers, booleans, lists, maps). */
function plain(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plainValue(v)]));
}

function plainValue(v: AttributeValue): unknown {
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return Number(v.N);
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.NULL) return null;
  if (v.L) return v.L.map(plainValue);
  if (v.M) return plain(v.M);
  if (v.SS) return v.SS;
  if (v.NS) return v.NS.map(Number);
  return '(binary)';
}
