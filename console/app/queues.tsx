import { useEffect, useState } from 'preact/hooks';
import type { Peeked, QueueInfo, RedriveProgress } from '../api';
import { OLDEST_AGE_NOTE } from '../notes';
import { api, usePoll } from './client';
import { ErrorLine, type Meta, time } from './shared';

const seconds = (s?: number) =>
  s === undefined ? '–' : s >= 3600 ? `${Math.round(s / 3600)} h` : `${s} s`;

/** A queue's messages, peeked without consuming them; for a DLQ with the reasons they failed. */
function Peek({ queue }: { queue: QueueInfo }) {
  // The server peeks a DLQ again only when its depth changed, so polling leaves the counts alone.
  const { data, error, refresh } = usePoll<Peeked>(
    queue.isDlq ? `/queues/${queue.id}/peek?n=20` : undefined,
    2000,
  );
  const [once, setOnce] = useState<Peeked>();
  const [onceError, setOnceError] = useState<string>();
  const peeked = queue.isDlq ? (once ?? data) : once;
  const peekNow = () =>
    api<Peeked>(`/queues/${queue.id}/peek?n=${queue.isDlq ? 20 : 10}&fresh=1`).then(
      (r) => {
        setOnce(r);
        setOnceError(undefined);
        if (queue.isDlq) {
          setOnce(undefined);
          refresh();
        }
      },
      (e: Error) => setOnceError(e.message),
    );
  const messages = peeked?.messages;
  return (
    <div>
      <p>
        <button type="button" onClick={peekNow}>
          {queue.isDlq ? `Peek at ${queue.id} again` : `Peek at ${queue.id}`}
        </button>{' '}
        <span class="small" data-testid="peek-note">
          {queue.isDlq
            ? 'Peeked again only when its depth changes or you ask: each peek is a receive, which adds one to every receive count shown.'
            : `Peeked only when you ask: each peek counts as a receive towards the redrive limit${queue.redrivePolicy ? ` (to ${queue.id}-dlq after ${queue.redrivePolicy.maxReceiveCount})` : ''}.`}
          {peeked && ` Peeked at ${time(peeked.peekedAt)}.`}
        </span>
      </p>
      <ErrorLine error={error ?? onceError} />
      {messages && messages.length === 0 && <p class="empty">No messages.</p>}
      {messages && messages.length > 0 && (
        <table class="messages" aria-label={`Messages in ${queue.id}`}>
          <thead>
            <tr>
              <th scope="col">Message id</th>
              <th scope="col">Sent</th>
              <th
                scope="col"
                title="ApproximateReceiveCount now: every receive counts, peeks (this console's, inspect's) included"
              >
                Receives so far
              </th>
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
                <td class="num" data-field="receives">
                  {m.receiveCount}
                </td>
                {queue.isDlq && (
                  <td class="failure">
                    {m.failureCode ? (
                      <>
                        <strong>{m.failureCode}</strong> {m.failureReason}
                      </>
                    ) : peeked?.sourceMaxReceiveCount !== undefined ? (
                      `failed ${peeked.sourceMaxReceiveCount} receives at ${queue.id.replace(/-dlq$/, '')}, then SQS moved it`
                    ) : (
                      'moved here by SQS after failed receives'
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

/** A redrive's progress, or its outcome, in one sentence. */
function redriveText(p: RedriveProgress): string {
  const source = p.queue.replace(/-dlq$/, '');
  const failed = p.failed.length
    ? `; ${p.failed.length} failed: ${p.failed.map((f) => f.reason).join('; ')}`
    : '';
  const plural = p.toMove === 1 ? '' : 's';
  if (p.state === 'running') {
    return `Redriving ${p.queue}: ${p.moved} of ${p.toMove} message${plural} moved so far${failed}…`;
  }
  if (p.state === 'failed') return `${p.error ?? 'The redrive failed'} (${p.moved} moved)`;
  return `Moved ${p.moved} of ${p.toMove} message${plural} back to ${source} (${p.method})${failed}`;
}

function RedriveForm({ queue, meta, done }: { queue: QueueInfo; meta: Meta; done: () => void }) {
  const [max, setMax] = useState('');
  const [started, setStarted] = useState<RedriveProgress>();
  const [startError, setStartError] = useState<string>();
  // Polled once a second while this page's redrive runs; the moved count grows as it goes.
  const running = started?.state === 'running';
  const { data: progress } = usePoll<RedriveProgress>(
    running ? `/queues/${queue.id}/redrive` : undefined,
    1000,
  );
  const current = progress && progress.startedAt === started?.startedAt ? progress : started;
  const finished = current !== undefined && current.state !== 'running';
  useEffect(() => {
    if (finished) {
      setStarted(current);
      done();
    }
  }, [finished]);
  const submit = (e: Event) => {
    e.preventDefault();
    setStartError(undefined);
    api<RedriveProgress>(`/queues/${queue.id}/redrive`, max ? { max: Number(max) } : {}).then(
      setStarted,
      (err: Error) => setStartError(err.message),
    );
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
      <button type="submit" disabled={!meta.writable || current?.state === 'running'}>
        Redrive {queue.id}
      </button>
      {current && (
        <p
          role={current.state === 'failed' ? 'alert' : 'status'}
          data-state={current.state}
          data-moved={current.moved}
          data-to-move={current.toMove}
        >
          {redriveText(current)}
        </p>
      )}
      {current && current.toMove > 0 && (
        <progress
          max={current.toMove}
          value={current.moved}
          aria-label={`Redrive of ${queue.id}`}
        />
      )}
      <ErrorLine error={startError} />
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
            <th scope="col">Oldest message</th>
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
