/**
 * The template's alarms (GetTemplate), evaluated on what the console can read now: queue depths,
 * the age of the oldest message where the target tells it, and the functions' errors and
 * throttles from their logs. An alarm on a metric the console has no source for is
 * INSUFFICIENT_DATA, saying why.
 */
import type { FunctionStats } from './functions';
import { OLDEST_AGE_NOTE } from './notes';
import type { QueueInfo } from './queues';
import type { StackResource, TemplateResource } from './stack';

/** An alarm of the template, evaluated on the current figures. */
export interface AlarmState {
  readonly name: string;
  readonly description: string;
  readonly state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  readonly reason: string;
}

const COMPARE: Record<string, [string, (v: number, t: number) => boolean]> = {
  GreaterThanOrEqualToThreshold: ['≥', (v, t) => v >= t],
  GreaterThanThreshold: ['>', (v, t) => v > t],
  LessThanThreshold: ['<', (v, t) => v < t],
  LessThanOrEqualToThreshold: ['≤', (v, t) => v <= t],
};

/** What the console knows now, for {@link evaluateAlarms}. */
export interface AlarmInputs {
  readonly template: Record<string, TemplateResource>;
  readonly resources: readonly StackResource[];
  readonly queues: readonly QueueInfo[];
  readonly functions: readonly FunctionStats[];
}

/** Every `AWS::CloudWatch::Alarm` of the template with its state. */
export function evaluateAlarms(inputs: AlarmInputs): AlarmState[] {
  const physical = new Map(inputs.resources.map((r) => [r.logicalId, r.physicalId]));
  const alarms: AlarmState[] = [];
  for (const [logicalId, resource] of Object.entries(inputs.template)) {
    if (resource.Type !== 'AWS::CloudWatch::Alarm') continue;
    const p = resource.Properties ?? {};
    const name =
      typeof p.AlarmName === 'string' ? p.AlarmName : (physical.get(logicalId) ?? logicalId);
    const subject = dimensionTarget(p.Dimensions);
    alarms.push(
      alarmState(name, p, {
        queue: inputs.queues.find((q) => subject !== undefined && q.logicalId === subject),
        fn: inputs.functions.find((f) => subject !== undefined && f.name === physical.get(subject)),
      }),
    );
  }
  return firingFirst(alarms);
}

/** The figures of a queue an alarm may watch. */
export type QueueFigures = Pick<QueueInfo, 'name' | 'visible' | 'oldestAgeSeconds'>;
/** The figures of a function an alarm may watch. */
export type FunctionFigures = Pick<
  FunctionStats,
  'errorsLastMinute' | 'throttles' | 'throttlesNote'
> & {
  /** Its short name (`requestor`), or its name where it has none. */
  readonly key: string;
};

/**
 * One alarm's state (its `AWS::CloudWatch::Alarm` properties) on the figures of what its
 * dimension names: the local cloud evaluates its alarms with this too, on its own figures.
 */
export function alarmState(
  name: string,
  p: Record<string, unknown>,
  subject: { queue?: QueueFigures; fn?: FunctionFigures },
): AlarmState {
  const description = typeof p.AlarmDescription === 'string' ? p.AlarmDescription : '';
  const metric = String(p.MetricName ?? '(a metric expression)');
  const threshold = Number(p.Threshold);
  const [symbol, breaches] = COMPARE[String(p.ComparisonOperator)] ?? [];
  const measured = measure(String(p.Namespace), metric, subject);
  if (!breaches || Number.isNaN(threshold) || measured.value === undefined) {
    return {
      name,
      description,
      state: 'INSUFFICIENT_DATA',
      reason: measured.why ?? `The console cannot evaluate ${String(p.ComparisonOperator)}`,
    };
  }
  return {
    name,
    description,
    state: breaches(measured.value, threshold) ? 'ALARM' : 'OK',
    reason: `${measured.label}: ${measured.value}${measured.unit ?? ''} (alarm at ${symbol} ${threshold}${measured.unit ?? ''})`,
  };
}

/** The logical id an alarm's first dimension refers to (`Ref` or `Fn::GetAtt`). */
function dimensionTarget(dimensions: unknown): string | undefined {
  const value = (dimensions as { Value?: unknown }[] | undefined)?.[0]?.Value as
    | { Ref?: unknown; 'Fn::GetAtt'?: unknown }
    | undefined;
  if (typeof value?.Ref === 'string') return value.Ref;
  const att = value?.['Fn::GetAtt'];
  return Array.isArray(att) && typeof att[0] === 'string' ? att[0] : undefined;
}

function measure(
  namespace: string,
  metric: string,
  { queue, fn }: { queue?: QueueFigures; fn?: FunctionFigures },
): { value?: number; label?: string; unit?: string; why?: string } {
  if (namespace === 'AWS/SQS' && queue) {
    if (metric === 'ApproximateNumberOfMessagesVisible') {
      return { value: queue.visible, label: `Visible messages in ${queue.name}` };
    }
    if (metric === 'ApproximateAgeOfOldestMessage') {
      return queue.oldestAgeSeconds === undefined
        ? { why: OLDEST_AGE_NOTE }
        : {
            value: queue.oldestAgeSeconds,
            label: `Oldest message in ${queue.name}`,
            unit: ' s',
          };
    }
  }
  if (namespace === 'AWS/Lambda' && fn) {
    if (metric === 'Errors') {
      return {
        value: fn.errorsLastMinute,
        label: `Failed invocations of ${fn.key} in the last minute`,
      };
    }
    if (metric === 'Throttles') {
      return fn.throttles === undefined
        ? { why: fn.throttlesNote }
        : { value: fn.throttles, label: `Throttled invocations of ${fn.key}` };
    }
  }
  return {
    why: `The console has no source for ${namespace} ${metric} on this target (it reads SQS, the tables and the function logs, not CloudWatch metrics)`,
  };
}

/**
 * The alarms the console can tell without the template (CloudFormation unreadable): each DLQ's
 * "not empty" alarm, and each source queue's oldest-message alarm where the age is known, at the
 * stack's default threshold of 5 minutes.
 */
export function fallbackAlarms(queues: readonly QueueInfo[]): AlarmState[] {
  return firingFirst(queues.map(fallbackAlarm));
}

/** Where each state comes in the list: what needs a look first. */
const STATE_ORDER: Record<AlarmState['state'], number> = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };

/** Alarms firing first, then those without data, then the quiet ones; by name within each. */
function firingFirst(alarms: AlarmState[]): AlarmState[] {
  return alarms.sort(
    (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.name.localeCompare(b.name),
  );
}

/** A queue's alarm without the template: not empty for a DLQ, oldest message for the others. */
function fallbackAlarm(q: QueueInfo): AlarmState {
  if (q.isDlq) {
    const count = q.visible + q.inFlight + q.delayed;
    return {
      name: `${q.name}-not-empty`,
      description: `Messages in ${q.name}: they failed too often or were rejected`,
      state: count > 0 ? 'ALARM' : 'OK',
      reason: `${count} message${count === 1 ? '' : 's'} in ${q.name}`,
    };
  }
  const age = q.oldestAgeSeconds;
  return {
    name: `${q.name}-oldest-message-age`,
    description: `The oldest message in ${q.name} is too old: its consumer is failing or falling behind`,
    state: age === undefined ? 'INSUFFICIENT_DATA' : age >= 300 ? 'ALARM' : 'OK',
    reason: age === undefined ? OLDEST_AGE_NOTE : `Oldest message ${age} s old (alarm at ≥ 300 s)`,
  };
}
