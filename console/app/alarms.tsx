/** The Alarms page: each alarm of the template with its state and the reason for it. */
import type { AlarmState } from '../api';
import { usePoll } from './client';
import { ErrorLine } from './shared';

/** The template's alarms, evaluated on the queues as they are now. */
export function AlarmsPage() {
  const { data, error } = usePoll<AlarmState[]>('/alarms', 2000);
  return (
    <section aria-labelledby="alarms-h">
      <h2 id="alarms-h">Alarms</h2>
      <ErrorLine error={error} />
      <table aria-label="Alarms">
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Alarm</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
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
    </section>
  );
}
