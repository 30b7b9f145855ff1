/**
 * The alarm notifications CloudWatch tried to deliver to the alarm topic. The local cloud keeps
 * each attempt, delivered or refused with AWS's reason, and serves them at its endpoint's
 * `/_local/cloudwatch/alarm-notifications`; on AWS and LocalStack they live in each alarm's
 * history (and the topic's subscriptions), which the tools do not read.
 */

import type { AlarmNotification } from '../local/cloudwatch/alarms';
import { localEndpoint, readLocalRoute } from './local-routes';
import type { Target } from './target';

export type { AlarmNotification };

/** Where the local cloud serves them. */
const PATH = '/_local/cloudwatch/alarm-notifications';

/**
 * The notifications the target's local cloud tried, oldest first; undefined for a target that
 * keeps them in CloudWatch instead (AWS, LocalStack) or a local cloud that does not serve them.
 */
export async function readAlarmNotifications(
  target: Pick<Target, 'kind' | 'clientConfig'>,
): Promise<AlarmNotification[] | undefined> {
  const endpoint = localEndpoint(target);
  if (!endpoint) return undefined;
  const answer = await readLocalRoute<{ Notifications?: AlarmNotification[] }>(endpoint, PATH);
  return answer && (answer.Notifications ?? []);
}

/** The notifications as inspect prints them: the newest `limit`, each on one line. */
export function formatAlarmNotifications(
  notifications: readonly AlarmNotification[] | undefined,
  limit = 10,
): string[] {
  if (notifications === undefined)
    return ["Alarm notifications: on this target, see each alarm's history in CloudWatch"];
  const delivered = notifications.filter((n) => n.delivered).length;
  const head = `Alarm notifications: ${delivered} delivered, ${notifications.length - delivered} refused`;
  return [
    head,
    ...notifications.slice(-limit).map((n) => {
      const topic = n.topic.split(':').pop();
      const outcome = n.delivered ? `delivered to ${topic} (${n.detail})` : `REFUSED: ${n.detail}`;
      return `  ${n.at}  ${n.alarm} -> ${n.state}: ${outcome}`;
    }),
  ];
}
