/**
 * The form that sends a message to a queue, checked against the queue's message schema unless
 * told not to.
 */
import { useState } from 'preact/hooks';
import type { QueueInfo } from '../../api';
import { api } from '../client';
import { ErrorLine, type Meta } from '../shared';

/** Sends a message to `queue`; starts from an example of the queue's message. */
export function SendForm({ queue, meta }: { queue: QueueInfo; meta: Meta }) {
  const example = meta.examples[queue.id as 'request' | 'response' | 'ack'];
  const [body, setBody] = useState(JSON.stringify(example, null, 2));
  const [invalid, setInvalid] = useState(false);
  const [outcome, setOutcome] = useState<{ ok?: string; error?: string }>({});
  const submit = (e: Event) => {
    e.preventDefault();
    api<{ messageId: string }>(`/queues/${queue.id}/send`, { body, allowInvalid: invalid }).then(
      (r) => setOutcome({ ok: `Sent message ${r.messageId}` }),
      (err: Error) => setOutcome({ error: err.message }),
    );
  };
  return (
    <form onSubmit={submit} class="panel" aria-label={`Send a message to ${queue.id}`}>
      <h4>Send a message</h4>
      <label for="send-body">Body (JSON, checked against the {queue.id} message schema)</label>
      <textarea
        id="send-body"
        rows={7}
        value={body}
        onInput={(e) => setBody(e.currentTarget.value)}
        spellcheck={false}
      />
      <label class="check">
        <input
          type="checkbox"
          checked={invalid}
          onChange={(e) => setInvalid(e.currentTarget.checked)}
        />{' '}
        Send invalid on purpose (skip the schema check)
      </label>
      <button type="submit" disabled={!meta.writable}>
        Send to {queue.id}
      </button>
      {outcome.ok && <p role="status">{outcome.ok}</p>}
      <ErrorLine error={outcome.error} />
    </form>
  );
}
