/**
 * A queue's messages as a peek shows them: a dead-letter queue's polled, with the reason each
 * failed; any other queue's only when asked, since a peek counts towards its redrive limit.
 */
import { useState } from 'preact/hooks';
import type { Peeked, QueueInfo } from '../../api';
import { api, usePoll } from '../client';
import { ErrorLine, type Meta, time } from '../shared';

/** The last peek at `queue`, and a way to peek now. */
function usePeek(queue: QueueInfo) {
  // The server peeks a DLQ again only when its depth changed, so polling leaves the counts alone.
  const { data, error, refresh } = usePoll<Peeked>(
    queue.isDlq ? `/queues/${queue.id}/peek?n=20` : undefined,
    2000,
  );
  const [once, setOnce] = useState<Peeked>();
  const [onceError, setOnceError] = useState<string>();
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
  return { peeked: queue.isDlq ? (once ?? data) : once, error: error ?? onceError, peekNow };
}

/** What a peek costs on this queue, so nobody is surprised by the receive counts. */
function peekNote(queue: QueueInfo, meta: Meta): string {
  if (!meta.peeksCountAsReceives) {
    return 'Read from the local cloud without a receive: the receive counts shown are the pipeline’s own.';
  }
  return queue.isDlq
    ? 'Peeked again only when its depth changes or you ask: on this target every peek is a receive, which adds one to every receive count shown.'
    : `Peeked only when you ask: on this target every peek counts as a receive towards the redrive limit${queue.redrivePolicy ? ` (to ${queue.id}-dlq after ${queue.redrivePolicy.maxReceiveCount})` : ''}.`;
}

/** A queue's messages, peeked without consuming them; for a DLQ with the reasons they failed. */
export function Peek({ queue, meta }: { queue: QueueInfo; meta: Meta }) {
  const { peeked, error, peekNow } = usePeek(queue);
  const messages = peeked?.messages;
  return (
    <div>
      <p>
        <button type="button" onClick={peekNow}>
          {queue.isDlq ? `Peek at ${queue.id} again` : `Peek at ${queue.id}`}
        </button>{' '}
        <span class="small" data-testid="peek-note">
          {peekNote(queue, meta)}
          {peeked && ` Peeked at ${time(peeked.peekedAt)}.`}
        </span>
      </p>
      <ErrorLine error={error} />
      {messages && messages.length === 0 && <p class="empty">No messages.</p>}
      {peeked && messages && messages.length > 0 && <MessageTable queue={queue} peeked={peeked} />}
    </div>
  );
}

function MessageTable({ queue, peeked }: { queue: QueueInfo; peeked: Peeked }) {
  return (
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
        {peeked.messages.map((m) => (
          <tr key={m.messageId} data-message={m.messageId}>
            <td class="mono">{m.messageId}</td>
            <td>{time(m.sentAt)}</td>
            <td class="num" data-field="receives">
              {m.receiveCount}
            </td>
            {queue.isDlq && <Failure queue={queue} peeked={peeked} message={m} />}
            {queue.isDlq && <td class="mono">{m.sourceMessageId ?? '–'}</td>}
            <td class="mono body">{m.body}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Why a dead letter failed: the code and reason the handler gave, or else the receives SQS counted
 * before it moved the message.
 */
function Failure(props: { queue: QueueInfo; peeked: Peeked; message: Peeked['messages'][number] }) {
  const { queue, peeked, message: m } = props;
  return (
    <td class="failure">
      {m.failureCode ? (
        <>
          <strong>{m.failureCode}</strong> {m.failureReason}
        </>
      ) : peeked.sourceMaxReceiveCount !== undefined ? (
        `failed ${peeked.sourceMaxReceiveCount} receives at ${queue.id.replace(/-dlq$/, '')}, then SQS moved it`
      ) : (
        'moved here by SQS after failed receives'
      )}
    </td>
  );
}
