/** The table of every queue with its depth and settings, where a queue is picked to work on. */
import type { QueueInfo } from '../../api';
import { OLDEST_AGE_NOTE } from '../../notes';

const seconds = (s?: number) =>
  s === undefined ? '–' : s >= 3600 ? `${Math.round(s / 3600)} h` : `${s} s`;

/** Every queue, one row each; a DLQ that holds messages is marked as an alarm. */
export function QueueTable(props: {
  queues: QueueInfo[];
  selected: string;
  onSelect: (id: string) => void;
}) {
  return (
    <table class="queues" aria-label="Queues">
      <thead>
        <tr>
          <th scope="col">Queue</th>
          <th scope="col">Visible</th>
          <th scope="col">In flight</th>
          <th scope="col">Delayed</th>
          <th scope="col">Oldest message</th>
          <th scope="col">Visibility timeout</th>
          <th scope="col">Retention</th>
          <th scope="col">Redrive</th>
        </tr>
      </thead>
      <tbody>
        {props.queues.map((q) => (
          <QueueRow
            key={q.id}
            q={q}
            selected={q.id === props.selected}
            onSelect={() => props.onSelect(q.id)}
          />
        ))}
      </tbody>
    </table>
  );
}

function QueueRow(props: { q: QueueInfo; selected: boolean; onSelect: () => void }) {
  const { q, selected } = props;
  return (
    <tr data-queue={q.id} class={selected ? 'selected' : q.isDlq && q.visible > 0 ? 'alarm' : ''}>
      <th scope="row">
        <button
          type="button"
          class="link"
          aria-pressed={selected}
          onClick={props.onSelect}
          title={q.name}
        >
          {q.id}
        </button>
      </th>
      <td class="num" data-count="visible">
        {q.visible}
      </td>
      <td class="num" data-count="inFlight">
        {q.inFlight}
      </td>
      <td class="num" data-count="delayed">
        {q.delayed}
      </td>
      <td
        class="num"
        data-count="oldest"
        title={q.oldestAgeSeconds === undefined ? OLDEST_AGE_NOTE : undefined}
      >
        {q.oldestAgeSeconds === undefined ? '—' : `${q.oldestAgeSeconds} s`}
      </td>
      <td class="num">{seconds(q.visibilityTimeoutSeconds)}</td>
      <td class="num">{seconds(q.retentionSeconds)}</td>
      <td>
        {q.redrivePolicy ? `to ${q.id}-dlq after ${q.redrivePolicy.maxReceiveCount} receives` : '–'}
      </td>
    </tr>
  );
}
