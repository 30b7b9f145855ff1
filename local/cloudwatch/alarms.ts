/**
 * CloudWatch alarms on the local cloud: the alarms CloudFormation made, evaluated every period
 * (divided by the time scale) on the local cloud's own figures with the console's evaluation, and,
 * on a change to ALARM or OK, their notifications published to their actions' topics as
 * `cloudwatch.amazonaws.com`, or refused with AWS's reason. Every attempt is kept in the history.
 */
import { type AlarmState, alarmState, type QueueFigures } from '../../console/alarms';
import type { KeyStore } from '../kms/keys';
import type { Topics } from '../sns/topics';
import { judgeAlarmPublish, notificationOf } from './delivery';

/** An alarm as CloudFormation made it. */
export interface LocalAlarm {
  readonly name: string;
  readonly arn: string;
  /** Its properties, intrinsics resolved. */
  readonly properties: Record<string, unknown>;
  state: AlarmState['state'];
}

/** One notification CloudWatch tried to deliver. */
export interface AlarmNotification {
  readonly at: string;
  readonly alarm: string;
  readonly state: 'ALARM' | 'OK';
  readonly topic: string;
  readonly delivered: boolean;
  /** Why not, when refused; the SNS message id when delivered. */
  readonly detail: string;
}

/** What the alarms read their figures from and publish with. */
export interface AlarmsOptions {
  readonly region: string;
  readonly accountId: string;
  readonly keys: KeyStore;
  readonly topics: Topics;
  /** The figures of the queue named `name`, or undefined if there is none. */
  readonly queue: (name: string) => Promise<QueueFigures | undefined>;
  /**
   * The failed invocations of the function named `name` so far, or undefined if there is none.
   * The local cloud throttles nothing, so its Throttles are 0.
   */
  readonly functionErrors?: (name: string) => number | undefined;
  /** Period divisor, as the local cloud's `--time-scale`. @default 1 */
  readonly timeScale?: number;
}

/** Notifications kept, newest last. */
const HISTORY_LIMIT = 200;

/** The local cloud's alarms, their evaluation and their notifications. */
export class LocalAlarms {
  private readonly alarms = new Map<string, LocalAlarm>();
  private readonly notifications: AlarmNotification[] = [];
  private readonly listeners = new Set<(n: AlarmNotification) => void>();
  private timer: NodeJS.Timeout | undefined;
  /** Each Errors alarm's count at its last evaluation, to measure the period since. */
  private readonly errorsSeen = new Map<string, number>();
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: AlarmsOptions) {}

  /** Adds or replaces an alarm; it starts INSUFFICIENT_DATA, as on AWS. */
  put(name: string, properties: Record<string, unknown>): LocalAlarm {
    const { region, accountId } = this.options;
    const alarm: LocalAlarm = {
      name,
      arn: `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`,
      properties,
      state: this.alarms.get(name)?.state ?? 'INSUFFICIENT_DATA',
    };
    this.alarms.set(name, alarm);
    this.schedule();
    return alarm;
  }

  delete(name: string): void {
    this.alarms.delete(name);
  }

  /** The notifications tried so far, oldest first. */
  history(): readonly AlarmNotification[] {
    return this.notifications;
  }

  /** Resolves with the first notification tried from now on that `matches`. */
  next(matches: (n: AlarmNotification) => boolean): Promise<AlarmNotification> {
    return new Promise((resolve) => {
      const listener = (n: AlarmNotification) => {
        if (!matches(n)) return;
        this.listeners.delete(listener);
        resolve(n);
      };
      this.listeners.add(listener);
    });
  }

  /** Evaluates every alarm once, publishing the changes; one evaluation at a time. */
  evaluate(): Promise<void> {
    this.running = this.running.then(() => this.evaluateAll()).catch(() => {});
    return this.running;
  }

  /** Stops evaluating and waits for an evaluation under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Evaluates at the shortest alarm period, scaled, once the first alarm exists. */
  private schedule(): void {
    if (this.timer) return;
    const period = Math.min(
      ...[...this.alarms.values()].map((a) => Number(a.properties.Period) || 60),
    );
    const ms = Math.max(50, (period * 1000) / (this.options.timeScale ?? 1));
    this.timer = setInterval(() => void this.evaluate(), ms);
    this.timer.unref();
  }

  private async evaluateAll(): Promise<void> {
    for (const alarm of [...this.alarms.values()]) {
      const dimensions = (alarm.properties.Dimensions ?? []) as { Name?: string; Value?: string }[];
      const queueName = dimensions.find((d) => d.Name === 'QueueName')?.Value;
      const queue = queueName ? await this.options.queue(queueName) : undefined;
      const fnName = dimensions.find((d) => d.Name === 'FunctionName')?.Value;
      const fn = fnName ? this.functionFigures(alarm.name, fnName) : undefined;
      const now = alarmState(alarm.name, alarm.properties, { queue, fn });
      const old = alarm.state;
      if (now.state === old) continue;
      alarm.state = now.state;
      if (now.state === 'INSUFFICIENT_DATA') continue;
      const actions = (
        now.state === 'ALARM' ? alarm.properties.AlarmActions : alarm.properties.OKActions
      ) as string[] | undefined;
      for (const topic of actions ?? []) await this.notify(alarm, old, now, topic);
    }
  }

  /** A function's failed invocations since the alarm's last evaluation, and no throttles. */
  private functionFigures(alarmName: string, fnName: string) {
    const errors = this.options.functionErrors?.(fnName);
    if (errors === undefined) return undefined;
    const seen = this.errorsSeen.get(alarmName) ?? 0;
    this.errorsSeen.set(alarmName, errors);
    // Counters reset (resetMetrics) start the count again.
    const errorsLastMinute = errors >= seen ? errors - seen : errors;
    return { key: fnName, errorsLastMinute, throttles: 0, throttlesNote: '' };
  }

  private async notify(alarm: LocalAlarm, old: string, now: AlarmState, topic: string) {
    const { keys, topics, region, accountId } = this.options;
    const verdict = judgeAlarmPublish(
      { alarmArn: alarm.arn, topicArn: topic, accountId },
      topics.settingsOf(topic),
      keys,
    );
    const state = now.state as 'ALARM' | 'OK';
    const at = new Date();
    let detail = verdict.allowed ? '' : verdict.reason;
    if (verdict.allowed) {
      const p = alarm.properties;
      const { subject, message } = notificationOf({
        alarmName: alarm.name,
        alarmArn: alarm.arn,
        description: now.description,
        oldState: old,
        newState: state,
        reason: now.reason,
        region,
        accountId,
        at,
        trigger: { MetricName: p.MetricName, Namespace: p.Namespace, Threshold: p.Threshold },
      });
      detail = await topics.publish(topic, subject, message);
    }
    const notification = {
      at: at.toISOString(),
      alarm: alarm.name,
      state,
      topic,
      delivered: verdict.allowed,
      detail,
    };
    this.notifications.push(notification);
    for (const listener of [...this.listeners]) listener(notification);
    if (this.notifications.length > HISTORY_LIMIT) this.notifications.shift();
  }
}
