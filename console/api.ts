/**
 * The console's data: what the page shows and the actions it offers, read and done only through
 * the AWS APIs and the stack's outputs (plus, beside a local cloud in this process, what only its
 * engine can tell: see `ConsoleTarget`), so the same code serves the local cloud, LocalStack and
 * a deployed stack. `server.ts` maps these methods to HTTP routes; each concern has its own file.
 */
import { newRequestId } from '../functions/shared/ids';
import { ACK_SCHEMA_VERSION, SCHEMA_VERSION } from '../functions/shared/messages';
import { type AlarmNotification, readAlarmNotifications } from '../ops/alarm-notifications';
import { peekEndpoint } from '../ops/peek';
import { type AlarmState, evaluateAlarms, fallbackAlarms } from './alarms';
import { ConsoleContext, ConsoleRequestError, type ConsoleTarget } from './context';
import { type FunctionInfo, type FunctionStats, Functions } from './functions';
import { type Journey, journey } from './journey';
import { type Peeked, type QueueId, type QueueInfo, Queues } from './queues';
import { RedriveJobs, type RedriveProgress } from './redrive-jobs';
import { StackReader } from './stack';
import { StageCounter, type StageCounts } from './stage-counts';
import { type TablePage, Tables } from './tables';

export type { AlarmNotification } from '../ops/alarm-notifications';
export type { AlarmState } from './alarms';
export { ConsoleRequestError, type ConsoleTarget, UpstreamError } from './context';
export type { FunctionInfo, FunctionStats } from './functions';
export type { Journey } from './journey';
export type { Peeked, QueueId, QueueInfo } from './queues';
export type { RedriveProgress } from './redrive-jobs';
export type { StageCounts } from './stage-counts';
export type { TablePage } from './tables';

/** The overview page's data. */
export interface Overview {
  readonly target: string;
  readonly queues: QueueInfo[];
  readonly stages: StageCounts;
  /** Invocations, errors, throttles and p50/p99 duration per function over the last minutes. */
  readonly functions: FunctionStats[];
  /** Round trips completed per second, oldest first, one sample per count. */
  readonly roundTripsPerSecond: { at: string; value: number }[];
  /** Why a figure the page could show is missing on this target. */
  readonly notes: string[];
}

/** Messages of a DLQ looked at for handler rejections before a redrive. */
const REJECTED_CHECKED = 50;

/** Options of {@link ConsoleApi}. */
export interface ConsoleApiOptions {
  /** Allow send, purge, redrive and invoke against AWS. @default false (always allowed elsewhere) */
  readonly allowWrites?: boolean;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/** The console's data API over one target. Its SDK clients are created once. */
export class ConsoleApi {
  private readonly ctx: ConsoleContext;
  private readonly stack: StackReader;
  private readonly queueReader: Queues;
  private readonly tables: Tables;
  private readonly stageCounter: StageCounter;
  private readonly functionReader: Functions;
  private readonly redrives: RedriveJobs;

  constructor(
    readonly target: ConsoleTarget,
    options: ConsoleApiOptions = {},
  ) {
    this.ctx = new ConsoleContext(
      target,
      target.kind !== 'aws' || options.allowWrites === true,
      options.now ?? Date.now,
    );
    this.stack = new StackReader(this.ctx);
    this.queueReader = new Queues(this.ctx, this.stack);
    this.tables = new Tables(this.ctx);
    this.stageCounter = new StageCounter(this.ctx);
    this.functionReader = new Functions(this.ctx);
    this.redrives = new RedriveJobs(this.ctx);
  }

  /** Whether this console may change things on its target. */
  get writable(): boolean {
    return this.ctx.writable;
  }

  /** What the page needs once: the target, whether writes are allowed, example messages. */
  meta() {
    const now = new Date(this.ctx.now()).toISOString();
    // A new id per page load: a request sent with it completes its round trip (it is recorded
    // first), where a fixed one would be a duplicate from the second send on.
    const requestId = newRequestId(this.ctx.now());
    return {
      target: this.target.description,
      kind: this.target.kind,
      writable: this.writable,
      // On AWS and LocalStack a peek is a receive, which adds to the receive counts it shows.
      peeksCountAsReceives: peekEndpoint(this.target) === undefined,
      queues: this.queueReader.ids(),
      examples: {
        request: { v: SCHEMA_VERSION, type: 'request', requestId, requestedAt: now },
        response: {
          v: SCHEMA_VERSION,
          type: 'response',
          requestId,
          value: 'A'.repeat(64),
          generatedAt: now,
        },
        ack: {
          v: ACK_SCHEMA_VERSION,
          type: 'ack',
          requestId,
          value: 'A'.repeat(64),
          storedAt: now,
        },
        invoke: { count: 5 },
      },
    };
  }

  /** Queue depths and ages, counts by stage, function statistics and the round-trip rate. */
  async overview(): Promise<Overview> {
    const [queues, functions] = await Promise.all([
      this.queueReader.list(),
      this.functionReader.stats(),
    ]);
    // Nothing waiting or being handled in the source queues: the tables hold still.
    const idle = queues
      .filter((q) => !q.isDlq)
      .every((q) => q.visible + q.inFlight + q.delayed === 0);
    const counts = await this.stageCounter.counts(idle);
    const deadLettered = queues
      .filter((q) => q.isDlq)
      .reduce((n, q) => n + q.visible + q.inFlight + q.delayed, 0);
    return {
      target: this.target.description,
      queues,
      stages: { ...counts, deadLettered },
      functions,
      roundTripsPerSecond: this.stageCounter.rateSeries(),
      notes: [...this.stack.notes],
    };
  }

  /** Every queue of the stack with its depth and settings. */
  queues(): Promise<QueueInfo[]> {
    return this.queueReader.list();
  }

  /** Up to `limit` messages of a queue, without consuming them (see `Queues.peek`). */
  peek(id: string, limit: number, fresh = false): Promise<Peeked> {
    return this.queueReader.peek(id, limit, fresh);
  }

  /** Sends `body` to a source queue, checked against its schema unless `allowInvalid`. */
  send(id: string, body: string, allowInvalid: boolean): Promise<{ messageId: string }> {
    return this.queueReader.send(id, body, allowInvalid);
  }

  /** Deletes every message of a queue; `confirm` must repeat the queue's id. */
  purge(id: string, confirm: unknown): Promise<{ purged: QueueId }> {
    return this.queueReader.purge(id, confirm);
  }

  /**
   * Starts moving a DLQ's messages (all, or up to `max`) back to its source queue. Messages a
   * handler rejected (with a `FailureCode`) would only be rejected again unless their sender was
   * fixed, so a DLQ holding any is redriven only with `confirmRejected`.
   */
  async redrive(
    id: string,
    max: number | undefined,
    confirmRejected = false,
  ): Promise<RedriveProgress> {
    this.ctx.requireWrites('redrive a dead-letter queue');
    if (!confirmRejected) {
      const { messages } = await this.queueReader.peek(id, REJECTED_CHECKED);
      const rejected = messages.filter((m) => m.failureCode !== undefined);
      if (rejected.length > 0) {
        const codes = [...new Set(rejected.map((m) => m.failureCode))].join(', ');
        throw new ConsoleRequestError(
          `${rejected.length} of the messages in ${id} were rejected by a handler (${codes}): redriven, they come straight back. Fix their sender or purge them, or confirm to redrive them anyway`,
          409,
        );
      }
    }
    return this.redrives.start(id, max);
  }

  /** The last redrive of a DLQ: running with its progress so far, or finished. */
  redriveProgress(id: string): RedriveProgress {
    return this.redrives.get(id);
  }

  /** One page of a table, optionally only items with `status`. */
  table(
    which: string,
    options: { status?: string; limit?: number; start?: string },
  ): Promise<TablePage> {
    return this.tables.page(which, options);
  }

  /** A request's items in both tables, its dead letters and the log lines that name it. */
  journey(requestId: string): Promise<Journey> {
    return journey(
      this.ctx,
      { tables: this.tables, queues: this.queueReader, functions: this.functionReader },
      requestId,
    );
  }

  /** Both functions' configuration, recent log lines and statistics. */
  functions(): Promise<FunctionInfo[]> {
    return this.functionReader.list();
  }

  /** Invocations, errors, throttles and p50/p99 duration per function over the last minutes. */
  functionStats(): Promise<FunctionStats[]> {
    return this.functionReader.stats();
  }

  /** Invokes a function synchronously; the requestor's payload is checked against its schema. */
  invoke(key: string, payload: unknown) {
    return this.functionReader.invoke(key, payload);
  }

  /**
   * The template's alarms, evaluated on the current figures; without the template (no
   * CloudFormation access), the DLQ and oldest-message alarms the stack is known to have.
   */
  async alarms(): Promise<AlarmState[]> {
    const template = await this.stack.template();
    if (!template) return fallbackAlarms(await this.queueReader.list());
    const [resources, queues, functions] = await Promise.all([
      this.stack.resources(),
      this.queueReader.list(),
      this.functionReader.stats(),
    ]);
    return evaluateAlarms({ template, resources, queues, functions });
  }

  /**
   * The alarm notifications tried, newest first, with whether they were delivered: the local
   * cloud keeps them; elsewhere `{ available: false }`, as CloudWatch keeps them per alarm.
   */
  async alarmNotifications(): Promise<
    { available: true; notifications: AlarmNotification[] } | { available: false }
  > {
    const notifications = await readAlarmNotifications(this.ctx.target);
    return notifications
      ? { available: true, notifications: [...notifications].reverse() }
      : { available: false };
  }

  /** Releases the SDK clients. */
  close(): void {
    this.ctx.close();
  }
}
