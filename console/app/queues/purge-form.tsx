/** The form that purges a queue, once its name is typed to confirm. */
import { useState } from 'preact/hooks';
import type { QueueInfo } from '../../api';
import { api } from '../client';
import { ErrorLine, type Meta } from '../shared';

/** Deletes every message in `queue`, then calls `done` so the depths are read again. */
export function PurgeForm({
  queue,
  meta,
  done,
}: {
  queue: QueueInfo;
  meta: Meta;
  done: () => void;
}) {
  const [confirm, setConfirm] = useState('');
  const [outcome, setOutcome] = useState<{ ok?: string; error?: string }>({});
  const submit = (e: Event) => {
    e.preventDefault();
    api(`/queues/${queue.id}/purge`, { confirm }).then(
      () => {
        setOutcome({ ok: `Purged ${queue.id}` });
        setConfirm('');
        done();
      },
      (err: Error) => setOutcome({ error: err.message }),
    );
  };
  return (
    <form onSubmit={submit} class="panel danger" aria-label={`Purge ${queue.id}`}>
      <h4>Purge</h4>
      <label for="purge-confirm">Type {queue.id} to delete every message in it</label>
      <input
        id="purge-confirm"
        value={confirm}
        onInput={(e) => setConfirm(e.currentTarget.value)}
        autocomplete="off"
      />
      <button type="submit" disabled={!meta.writable || confirm !== queue.id}>
        Purge {queue.id}
      </button>
      {outcome.ok && <p role="status">{outcome.ok}</p>}
      <ErrorLine error={outcome.error} />
    </form>
  );
}
