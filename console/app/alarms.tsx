/**
 * The Alarms page: each alarm of the template with its state and the reason for it, then the
 * notifications CloudWatch tried to deliver to the alarm topic (on the local cloud).
 */
import type { AlarmNotification, AlarmState } from '../api';
import { usePoll } from './client';
import { ColumnHeads, ErrorLine } from './shared';

/** The template's alarms, evaluated on the queues as they are now. */
export function AlarmsPage() {
  const { data, error } = usePoll<AlarmState[]>('/alarms', 2000);
  return (
    <section aria-labelledby="alarms-h">
      <h2 id="alarms-h">Alarms</h2>
      <ErrorLine error={error} />
      <table aria-label="Alarms">
        <ColumnHeads names={['State', 'Alarm', 'Why']} />
        <tbody>
          {(data ?? []).map((a) => (
            <tr key={a.name} data-alarm={a.name}>
              <td>
                <span class={`badge ${a.state.toLowerCase()}`}>{a.state}</span>
              </td>
              <td>
                <strong>{a.name}</strong>
                <br />
                <span class="small">{a.description}</span>
              </td>
              <td>{a.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Notifications />
    </section>
  );
}

type NotificationsAnswer =
  | { available: true; notifications: AlarmNotification[] }
  | { available: false };

/** The notifications tried, newest first: delivered with the SNS message id, or refused and why. */
function Notifications() {
  const { data, error } = usePoll<NotificationsAnswer>('/alarm-notifications', 2000);
  if (data && !data.available)
    return <p class="small">Notifications: CloudWatch keeps them in each alarm's history.</p>;
  return (
    <>
      <h3>Notifications</h3>
      <ErrorLine error={error} />
      <table aria-label="Alarm notifications">
        <ColumnHeads names={['When', 'Alarm', 'State', 'Outcome']} />
        <tbody>
          {(data?.available ? data.notifications : []).map((n) => (
            <tr key={`${n.at}-${n.alarm}-${n.state}`} data-notification={n.alarm}>
              <td>{n.at}</td>
              <td>{n.alarm}</td>
              <td>
                <span class={`badge ${n.state.toLowerCase()}`}>{n.state}</span>
              </td>
              <td>{n.delivered ? `delivered (${n.detail})` : `refused: ${n.detail}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
