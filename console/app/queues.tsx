import { useState } from 'preact/hooks';
import type { DeadLetter } from '../../ops/inspect';
import type { RedriveResult } from '../../ops/redrive';
import type { QueueInfo } from '../api';
import { api, usePoll } from './client';
import { ErrorLine, type Meta, time } from './shared';

const seconds = (s?: number) =>
  s === undefined ? '–' : s >= 3600 ? `${Math.round(s / 3600)} h` : `${s} s`;

/** A queue's messages, peeked without consuming them; for a DLQ with the reasons they failed. */
function Peek({ queue }: { queue: QueueInfo }) {
  const { data, error } = usePoll<DeadLetter[]>(
    // A peek of a source queue counts as a receive; only DLQs are peeked on every refresh.
    queue.isDlq ? `/queues/${queue.id}/peek?n=20` : undefined,
    2000,
  );
  const [once, setOnce] = useState<DeadLetter[]>();
  const [onceError, setOnceError] = useState<string>();
  const messages = queue.isDlq ? data : once;
  return (
    <div>
      {!queue.isDlq && (
        <p>
          <button
            type="button"
            onClick={() =>
              api<DeadLetter[]>(`/queues/${queue.id}/peek?n=10`).then(setOnce, (e: Error) =>
                setOnceError(e.message),
              )
            }
          >
            Peek at {queue.id}
          </button>{' '}
          <span class="small">Each peek counts as a receive towards the redrive limit.</span>
        </p>
      )}
      <ErrorLine error={error ?? onceError} />
      {messages && messages.length === 0 && <p class="empty">No messages.</p>}
      {messages && messages.length > 0 && (
        <table class="messages" aria-label={`Messages in ${queue.id}`}>
          <thead>
            <tr>
              <th scope="col">Message id</th>
              <th scope="col">Sent</th>
              <th scope="col">Receives</th>
              {queue.isDlq && <th scope="col">Failure</th>}
              {queue.isDlq && <th scope="col">Source message</th>}
              <th scope="col">Body</th>
            </tr>
          </thead>
          <tbody>
            {messages.map((m) => (
              <tr key={m.messageId} data-message={m.messageId}>
                <td class="mono">{m.messageId}</td>
                <td>{time(m.sentAt)}</td>
                <td class="num">{m.receiveCount}</td>
                {queue.isDlq && (
                  <td class="failure">
                    {m.failureCode ? (
                      <>
                        <strong>{m.failureCode}</strong> {m.failureReason}
                      </>
                    ) : (
                      `failed ${m.receiveCount} receives`
                    )}
                  </td>
                )}
                {queue.isDlq && <td class="mono">{m.sourceMessageId ?? '–'}</td>}
                <td class="mono body">{m.body}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function SendForm({ queue, meta }: { queue: QueueInfo; meta: Meta }) {
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

function PurgeForm({ queue, meta, done }: { queue: QueueInfo; meta: Meta; done: () => void }) {
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

function RedriveForm({ queue, meta, done }: { queue: QueueInfo; meta: Meta; done: () => void }) {
  const [max, setMax] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok?: string; error?: string }>({});
  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setOutcome({ ok: `Redriving ${queue.id}…` });
    api<RedriveResult>(`/queues/${queue.id}/redrive`, max ? { max: Number(max) } : {})
      .then(
        (r) =>
          setOutcome({
            ok: `Moved ${r.moved} of ${r.toMove} message${r.toMove === 1 ? '' : 's'} back to ${queue.id.replace(/-dlq$/, '')} (${r.method})${r.failed.length ? `; ${r.failed.length} failed: ${r.failed.map((f) => f.reason).join('; ')}` : ''}`,
          }),
        (err: Error) => setOutcome({ error: err.message }),
      )
      .finally(() => {
        setBusy(false);
        done();
      });
  };
  return (
    <form onSubmit={submit} class="panel" aria-label={`Redrive ${queue.id}`}>
      <h4>Redrive</h4>
      <label for="redrive-max">At most (empty: all)</label>
      <input
        id="redrive-max"
        type="number"
        min={1}
        value={max}
        onInput={(e) => setMax(e.currentTarget.value)}
      />
      <button type="submit" disabled={!meta.writable || busy}>
        Redrive {queue.id}
      </button>
      {outcome.ok && <p role="status">{outcome.ok}</p>}
      <ErrorLine error={outcome.error} />
    </form>
  );
}

/** Every queue: depth and settings; peek, send, purge and redrive on the selected one. */
export function QueuesPage({ meta }: { meta: Meta }) {
  const { data, error, refresh } = usePoll<QueueInfo[]>('/queues');
  const [selected, setSelected] = useState('request-dlq');
  const queue = data?.find((q) => q.id === selected);
  return (
    <section aria-labelledby="queues-h">
      <h2 id="queues-h">Queues</h2>
      <ErrorLine error={error} />
      <table class="queues" aria-label="Queues">
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">Visible</th>
            <th scope="col">In flight</th>
            <th scope="col">Delayed</th>
            <th scope="col">Visibility timeout</th>
            <th scope="col">Retention</th>
            <th scope="col">Redrive</th>
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((q) => (
            <tr
              key={q.id}
              data-queue={q.id}
              class={q.id === selected ? 'selected' : q.isDlq && q.visible > 0 ? 'alarm' : ''}
            >
              <th scope="row">
                <button
                  type="button"
                  class="link"
                  aria-pressed={q.id === selected}
                  onClick={() => setSelected(q.id)}
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
              <td class="num">{seconds(q.visibilityTimeoutSeconds)}</td>
              <td class="num">{seconds(q.retentionSeconds)}</td>
              <td>
                {q.redrivePolicy
                  ? `to ${q.id}-dlq after ${q.redrivePolicy.maxReceiveCount} receives`
                  : '–'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {queue && (
        <div class="detail" data-selected={queue.id}>
          <h3>
            {queue.id} <span class="small mono">{queue.name}</span>
          </h3>
          <Peek key={queue.id} queue={queue} />
          <div class="forms">
            {!queue.isDlq && <SendForm key={`s${queue.id}`} queue={queue} meta={meta} />}
            {queue.isDlq && (
              <RedriveForm key={`r${queue.id}`} queue={queue} meta={meta} done={refresh} />
            )}
            <PurgeForm key={`p${queue.id}`} queue={queue} meta={meta} done={refresh} />
          </div>
          {!meta.writable && (
            <p class="small">
              Read-only against AWS: restart the console with --allow-writes to change things.
            </p>
          )}
        </div>
      )}
    </section>
  );
}
