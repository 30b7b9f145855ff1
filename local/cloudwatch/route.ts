/**
 * The alarm notifications the local cloud tried to deliver, as JSON at
 * `GET /_local/cloudwatch/alarm-notifications`: what `npm run inspect` and the console show.
 * CloudWatch keeps them in each alarm's history; the local cloud keeps its newest 200 in memory.
 * Local only, beside the AWS APIs, as the SQS peek is.
 */
import type { RouteHandler } from '../endpoint/gateway';
import { sendJson, sendJsonError } from '../endpoint/protocol';
import type { AlarmNotification } from './alarms';

/** Where the route is mounted. */
export const ALARM_NOTIFICATIONS_PATH = '/_local/cloudwatch/alarm-notifications';

/** Answers `{ Notifications: [...] }`, oldest first. */
export function alarmNotificationsRoute(history: () => readonly AlarmNotification[]): RouteHandler {
  return async (req, res) => {
    if (req.method !== 'GET') {
      sendJsonError(res, 405, 'InvalidAction', `${ALARM_NOTIFICATIONS_PATH} answers GET only`);
      return;
    }
    sendJson(res, 200, { Notifications: history() }, {}, 'application/json');
  };
}
