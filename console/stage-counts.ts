/**
 * The console's counts by stage and its round-trip rate. Beside a local cloud they follow the
 * functions' metrics live and are exact once the pipeline is idle; elsewhere they come from table
 * scans, run at most every few seconds while the pipeline is busy and once more as it goes idle.
 */
import { Output, Status } from '../contract/contract';
import { countByStatus } from '../ops/reconcile';
import { requireOutput } from '../ops/target';
import type { ConsoleContext, LiveStageCounts } from './context';

/** Items per status, with when they were counted. */
export interface StageCounts {
  readonly requested: number;
  readonly generated: number;
  readonly stored: number;
  readonly acknowledged: number;
  readonly deadLettered: number;
  /** ISO time the counts are from. */
  readonly countedAt: string;
}

/** What the counts say without the DLQs, which the queues' depths tell. */
type Counted = Omit<StageCounts, 'deadLettered'>;

const STAGES = ['requested', 'generated', 'stored', 'acknowledged'] as const;
const RATE_SAMPLES = 60;
/** The rate is sampled at most this often, however often the page polls. */
const RATE_SAMPLE_MS = 1000;
/** Table counts are a scan; this bounds how often one runs, whatever the polling rate. */
const MIN_COUNT_INTERVAL_MS = 2000;
/**
 * While busy, a scan waits this many times the last scan's duration: it shares the local
 * cloud's main thread with the emulators, so this keeps it to a twentieth of that thread while a
 * run fills the tables.
 */
const COUNT_BACKOFF = 20;

/** Counts by stage and the round-trip rate of one console. */
export class StageCounter {
  private scan?: Promise<LiveStageCounts>;
  private scanUntil = 0;
  /** Beside a local cloud: what the tables held beyond the functions' counts at the last scan. */
  private base?: { readonly offset: LiveStageCounts; readonly live: LiveStageCounts };
  /** Whether the tables were scanned since the pipeline last went idle. */
  private scannedWhileIdle = false;
  private readonly rate: { at: number; acknowledged: number }[] = [];

  constructor(private readonly ctx: ConsoleContext) {}

  /**
   * The counts by stage. `idle`: no source queue holds anything, so the tables are not changing
   * (or only by a function finishing): the moment to read them exactly.
   */
  async counts(idle: boolean): Promise<Counted> {
    const counted = this.ctx.target.liveStageCounts
      ? await this.fromMetrics(this.ctx.target.liveStageCounts, idle)
      : await this.fromScans(idle);
    this.sample(counted.acknowledged);
    return { ...counted, countedAt: new Date(this.ctx.now()).toISOString() };
  }

  /**
   * The functions' counts plus what the tables held beyond them at the last scan (items from
   * before the cloud started, with kept data). Scanned once at first (unless the tables started
   * empty), then only when idle after the functions counted something new: while a run goes, no
   * scan competes with it.
   */
  private async fromMetrics(live: () => LiveStageCounts, idle: boolean) {
    if (!this.base && this.ctx.target.tablesStartedEmpty) {
      this.base = { offset: ZERO, live: ZERO };
    }
    const moved = !this.base || STAGES.some((s) => this.base?.live[s] !== live()[s]);
    if (!this.base || (idle && moved)) {
      const tables = await this.scanTables();
      const after = live();
      // Counts only grow, so while a scan runs it meets at least what the functions had counted
      // when it began: against the counts when it ended, the difference is a lower bound of what
      // the tables hold beyond the metrics (exact when nothing moved, as once idle).
      this.base = { offset: atLeastZero(subtract(tables, after)), live: after };
    }
    const now = live();
    const offset = this.base.offset;
    return {
      requested: now.requested + offset.requested,
      generated: now.generated + offset.generated,
      stored: now.stored + offset.stored,
      acknowledged: now.acknowledged + offset.acknowledged,
    };
  }

  /**
   * Scanned counts, reused while busy for at least 2 s or twenty times the last scan's length;
   * as the pipeline goes idle, scanned once more at once, so the counts left showing are exact.
   */
  private fromScans(idle: boolean): Promise<LiveStageCounts> {
    if (!idle) this.scannedWhileIdle = false;
    const fresh = idle && !this.scannedWhileIdle;
    if (this.scan && !fresh && this.ctx.now() < this.scanUntil) return this.scan;
    if (idle) this.scannedWhileIdle = true;
    const started = this.ctx.now();
    // Until this scan finishes, callers share it instead of starting another.
    this.scanUntil = Number.POSITIVE_INFINITY;
    const scan = this.scanTables();
    this.scan = scan;
    scan.then(
      () => {
        const took = this.ctx.now() - started;
        this.scanUntil = this.ctx.now() + Math.max(MIN_COUNT_INTERVAL_MS, COUNT_BACKOFF * took);
      },
      () => {
        // A failed scan is not kept: the next poll tries again.
        this.scan = undefined;
        this.scanUntil = 0;
        this.scannedWhileIdle = false;
      },
    );
    return scan;
  }

  private async scanTables(): Promise<LiveStageCounts> {
    const target = this.ctx.target;
    const [requests, strings] = await Promise.all([
      this.ctx.call('Scan of the Requests table', () =>
        countByStatus(this.ctx.dynamodb, requireOutput(target, Output.RequestsTableName)),
      ),
      this.ctx.call('Scan of the Strings table', () =>
        countByStatus(this.ctx.dynamodb, requireOutput(target, Output.StringsTableName)),
      ),
    ]);
    const total = (counts: Record<string, number>) =>
      Object.values(counts).reduce((sum, n) => sum + n, 0);
    return {
      requested: total(requests),
      generated: total(strings),
      stored: requests[Status.Stored] ?? 0,
      acknowledged: strings[Status.Acknowledged] ?? 0,
    };
  }

  private sample(acknowledged: number): void {
    const now = this.ctx.now();
    const last = this.rate[this.rate.length - 1];
    if (last && now - last.at < RATE_SAMPLE_MS) return;
    this.rate.push({ at: now, acknowledged });
    if (this.rate.length > RATE_SAMPLES + 1) this.rate.shift();
  }

  /** Round trips completed per second between samples, oldest first. */
  rateSeries(): { at: string; value: number }[] {
    const series: { at: string; value: number }[] = [];
    for (let i = 1; i < this.rate.length; i++) {
      const a = this.rate[i - 1];
      const b = this.rate[i];
      if (!a || !b || b.at <= a.at) continue;
      const value = Math.max(0, ((b.acknowledged - a.acknowledged) * 1000) / (b.at - a.at));
      series.push({ at: new Date(b.at).toISOString(), value: Math.round(value * 10) / 10 });
    }
    return series;
  }
}

const ZERO: LiveStageCounts = { requested: 0, generated: 0, stored: 0, acknowledged: 0 };

function atLeastZero(c: LiveStageCounts): LiveStageCounts {
  return {
    requested: Math.max(0, c.requested),
    generated: Math.max(0, c.generated),
    stored: Math.max(0, c.stored),
    acknowledged: Math.max(0, c.acknowledged),
  };
}

function subtract(a: LiveStageCounts, b: LiveStageCounts): LiveStageCounts {
  return {
    requested: a.requested - b.requested,
    generated: a.generated - b.generated,
    stored: a.stored - b.stored,
    acknowledged: a.acknowledged - b.acknowledged,
  };
}
